// RedisServer against the real redis-server: it starts, answers, restarts on its port,
// pauses, and leaves neither a process nor a listening port behind.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <memory>
#include <string>
#include <thread>

#include "bw/testing/errors.hpp"
#include "bw/testing/ports.hpp"
#include "bw/testing/redis_server.hpp"

namespace bw::testing {
namespace {

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;

// The reply to a one-word command as text ("PONG", or the error text), "" on I/O failure.
std::string ask(const RedisServer& server, const char* command, const std::string& password = "") {
  ContextPtr c(redisConnectWithTimeout(server.host().c_str(), server.port(), timeval{1, 0}));
  if (!c || c->err != 0) return "";
  redisSetTimeout(c.get(), timeval{0, 300000});
  if (!password.empty()) {
    freeReplyObject(redisCommand(c.get(), "AUTH %s", password.c_str()));
  }
  auto* reply = static_cast<redisReply*>(redisCommand(c.get(), command));
  if (reply == nullptr) return "";
  std::string text = reply->str != nullptr ? std::string(reply->str, reply->len) : "";
  freeReplyObject(reply);
  return text;
}

bool process_gone(pid_t pid) {
  for (int i = 0; i < 200 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

TEST(RedisServer, StartsAndAnswersPing) {
  auto server = RedisServer::start();
  ASSERT_TRUE(server.ok()) << server.error().message;
  EXPECT_EQ(server->host(), "127.0.0.1");
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(ask(*server, "PING"), "PONG");
  EXPECT_TRUE(server->running());
}

TEST(RedisServer, DestructorStopsServerAndFreesPort) {
  std::uint16_t port = 0;
  pid_t pid = -1;
  std::filesystem::path dir;
  {
    auto server = RedisServer::start();
    ASSERT_TRUE(server.ok()) << server.error().message;
    port = server->port();
    pid = server->pid();
    dir = server->dir();
    ASSERT_TRUE(loopback_port_accepts(port));
  }
  EXPECT_TRUE(process_gone(pid));
  EXPECT_FALSE(loopback_port_accepts(port));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(RedisServer, KillThenRestartOnTheSamePort) {
  auto server = RedisServer::start();
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::uint16_t port = server->port();
  pid_t first = server->pid();
  server->kill();
  EXPECT_FALSE(server->running());
  EXPECT_EQ(server->pid(), -1);
  EXPECT_FALSE(loopback_port_accepts(port));
  EXPECT_EQ(ask(*server, "PING"), "");
  Status restarted = server->restart();
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  EXPECT_EQ(server->port(), port);
  EXPECT_NE(server->pid(), first);
  EXPECT_EQ(ask(*server, "PING"), "PONG");
}

TEST(RedisServer, RequiresThePasswordWhenGiven) {
  RedisOptions options;
  options.password = "s3cret pass";
  auto server = RedisServer::start(options);
  ASSERT_TRUE(server.ok()) << server.error().message;
  EXPECT_EQ(ask(*server, "PING").rfind("NOAUTH", 0), 0u);
  EXPECT_EQ(ask(*server, "PING", "s3cret pass"), "PONG");
}

TEST(RedisServer, PausedServerDoesNotAnswerUntilResumed) {
  auto server = RedisServer::start();
  ASSERT_TRUE(server.ok()) << server.error().message;
  ASSERT_TRUE(server->pause().ok());
  EXPECT_EQ(ask(*server, "PING"), "");
  ASSERT_TRUE(server->resume().ok());
  EXPECT_EQ(ask(*server, "PING"), "PONG");
}

TEST(RedisServer, DestructorEndsAPausedServer) {
  pid_t pid = -1;
  {
    auto server = RedisServer::start();
    ASSERT_TRUE(server.ok()) << server.error().message;
    pid = server->pid();
    ASSERT_TRUE(server->pause().ok());
  }
  EXPECT_TRUE(process_gone(pid));
}

TEST(RedisServer, TwoServersAreIndependent) {
  auto a = RedisServer::start();
  auto b = RedisServer::start();
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_NE(a->port(), b->port());
  EXPECT_NE(a->dir(), b->dir());
  EXPECT_EQ(ask(*a, "SET only-in-a 1"), "OK");
  EXPECT_EQ(ask(*a, "GET only-in-a"), "1");
  EXPECT_EQ(ask(*b, "GET only-in-a"), "");  // nil
  EXPECT_EQ(ask(*b, "PING"), "PONG");
}

TEST(RedisServer, BadOptionFailsWithTheServerLog) {
  RedisOptions options;
  options.extra_args = {"--no-such-directive", "1"};
  auto server = RedisServer::start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, static_cast<int>(HarnessErrc::kStartFailed));
  EXPECT_NE(server.error().message.find("no-such-directive"), std::string::npos)
      << server.error().message;
}

TEST(RedisServer, RestartReportsATakenPort) {
  auto server = RedisServer::start();
  ASSERT_TRUE(server.ok()) << server.error().message;
  server->kill();
  int squatter = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(squatter, 1), 0);
  Status restarted = server->restart();
  ::close(squatter);
  ASSERT_FALSE(restarted.ok());
  EXPECT_NE(restarted.error().message.find("Address already in use"), std::string::npos)
      << restarted.error().message;
  Status again = server->restart();
  EXPECT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(ask(*server, "PING"), "PONG");
}

}  // namespace
}  // namespace bw::testing
