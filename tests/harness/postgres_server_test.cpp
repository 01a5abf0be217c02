// PostgresServer against real PostgreSQL 15: it answers SELECT 1 in breakwater_test, listens
// only where it should, runs as the right user, and leaves nothing behind.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "bw/testing/ports.hpp"
#include "bw/testing/postgres_server.hpp"

namespace bw::testing {
namespace {

// The single value `query` returns, or the error text prefixed with "error: ".
std::string query(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string out;
  if (PQstatus(conn) != CONNECTION_OK) {
    out = std::string("error: ") + PQerrorMessage(conn);
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    out = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
              ? PQgetvalue(res, 0, 0)
              : std::string("error: ") + PQerrorMessage(conn);
    PQclear(res);
  }
  PQfinish(conn);
  return out;
}

bool process_gone(pid_t pid) {
  for (int i = 0; i < 300 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

class PostgresServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = PostgresServer::start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_.emplace(std::move(started).value());
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { ASSERT_TRUE(server_.has_value()); }

  static std::optional<PostgresServer> server_;
};
std::optional<PostgresServer> PostgresServerTest::server_;

TEST_F(PostgresServerTest, AnswersSelectOneInTheTestDatabase) {
  EXPECT_EQ(query(server_->conninfo(), "SELECT 1"), "1");
  EXPECT_EQ(query(server_->conninfo(), "SELECT current_database()"), "breakwater_test");
}

TEST_F(PostgresServerTest, ListensOnLoopbackAndItsOwnSocketFolder) {
  EXPECT_EQ(query(server_->conninfo(), "SHOW listen_addresses"), "127.0.0.1");
  EXPECT_EQ(query(server_->conninfo(), "SHOW unix_socket_directories"), server_->dir().string());
  EXPECT_TRUE(std::filesystem::exists(server_->dir() /
                                      (".s.PGSQL." + std::to_string(server_->port()))));
  EXPECT_EQ(query(server_->conninfo(), "SHOW fsync"), "off");
}

TEST_F(PostgresServerTest, RunsAsThePostgresUserWhenWeAreRoot) {
  struct stat st {};
  ASSERT_EQ(::stat(("/proc/" + std::to_string(server_->pid())).c_str(), &st), 0);
  if (::geteuid() == 0) {
    passwd* pw = ::getpwnam("postgres");
    ASSERT_NE(pw, nullptr);
    EXPECT_EQ(st.st_uid, pw->pw_uid);
  } else {
    EXPECT_EQ(st.st_uid, ::geteuid());
  }
}

TEST(PostgresServer, DestructorStopsServerFreesPortAndRemovesFolder) {
  std::uint16_t port = 0;
  pid_t pid = -1;
  std::filesystem::path dir;
  {
    auto server = PostgresServer::start();
    ASSERT_TRUE(server.ok()) << server.error().message;
    port = server->port();
    pid = server->pid();
    dir = server->dir();
    ASSERT_TRUE(loopback_port_accepts(port));
    EXPECT_EQ(query(server->conninfo(), "SELECT 1"), "1");
  }
  EXPECT_TRUE(process_gone(pid));
  EXPECT_FALSE(loopback_port_accepts(port));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(PostgresServer, StopIsIdempotentAndEndsTheServer) {
  auto server = PostgresServer::start();
  ASSERT_TRUE(server.ok()) << server.error().message;
  pid_t pid = server->pid();
  server->stop();
  EXPECT_FALSE(server->running());
  EXPECT_EQ(server->pid(), -1);
  EXPECT_TRUE(process_gone(pid));
  server->stop();
  EXPECT_EQ(query(server->conninfo(), "SELECT 1").rfind("error: ", 0), 0u);
}

}  // namespace
}  // namespace bw::testing
