// The store contract against PostgreSQL 15: one server (tests/harness PostgresServer) for
// the whole executable, a fresh database in it per test.
#include <libpq-fe.h>

#include <atomic>

#include "bw/testing/postgres_server.hpp"
#include "store_fixture.hpp"

namespace bw::auth::store::testing {
namespace {

bw::testing::PostgresServer* server() {
  std::string why;
  auto* shared = bw::testing::PostgresServer::shared(&why);
  if (!shared) ADD_FAILURE() << "PostgreSQL did not start: " << why;
  return shared;
}

Status create_database(const std::string& name) {
  if (auto st = server()->create_database(name); !st) return make_error(Errc::kUnavailable, st.error().message);
  return {};
}

Result<FreshDatabase> open_fresh_postgres() {
  static std::atomic<int> next{0};
  if (!server()) return make_error(Errc::kUnavailable, "no PostgreSQL server");
  const std::string name = "store_" + std::to_string(next++);
  if (auto s = create_database(name); !s) return s.error();
  auto db = open_postgres(PostgresOptions{.conninfo = server()->conninfo_for(name), .pool_size = 4});
  if (!db) return db.error();
  return FreshDatabase{std::shared_ptr<Database>(std::move(db).value()), nullptr};
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest, ::testing::Values(Backend{"postgres", &open_fresh_postgres}));
INSTANTIATE_TEST_SUITE_P(Postgres, PairingTest, ::testing::Values(Backend{"postgres", &open_fresh_postgres}));
INSTANTIATE_TEST_SUITE_P(Postgres, InvitationTest, ::testing::Values(Backend{"postgres", &open_fresh_postgres}));

TEST(PostgresDatabase, SetsTheStatementTimeoutOnEveryConnection) {
  ASSERT_NE(server(), nullptr);
  ASSERT_TRUE(create_database("store_timeout").ok());
  auto db = open_postgres(PostgresOptions{.conninfo = server()->conninfo_for("store_timeout"),
                                          .statement_timeout_ms = 200});
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto lease = (*db)->acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)->query("SHOW statement_timeout", {})->front().text(0), "200ms");
  auto slow = (*lease)->query("SELECT pg_sleep(2)", {});
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, static_cast<int>(Errc::kUnavailable));
}

TEST(PostgresDatabase, AnUnreachableServerIsUnavailableWithoutThePassword) {
  auto db = open_postgres(PostgresOptions{
      .conninfo = "postgresql://u:hunter2secret@127.0.0.1:1/x?sslmode=disable", .connect_timeout_s = 2});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, static_cast<int>(Errc::kUnavailable));
  EXPECT_EQ(db.error().message.find("hunter2secret"), std::string::npos) << db.error().message;
}

TEST(PostgresStore, OpenStoreUsesTheDatabaseUrlAndMigratesOnce) {
  ASSERT_NE(server(), nullptr);
  ASSERT_TRUE(create_database("store_open").ok());
  const StoreConfig config{.database_url = server()->conninfo_for("store_open")};
  expect_open_store_migrates_once(config, kT0);
}

// A connection the server killed fails its statement as kUnavailable and leaves the pool;
// the next statement gets a fresh connection.
TEST(PostgresStore, ABrokenConnectionIsReplaced) {
  ASSERT_NE(server(), nullptr);
  ASSERT_TRUE(create_database("store_broken").ok());
  auto db = open_postgres(PostgresOptions{.conninfo = server()->conninfo_for("store_broken"), .pool_size = 1});
  ASSERT_TRUE(db.ok()) << db.error().message;
  {
    auto lease = (*db)->acquire();
    ASSERT_TRUE(lease.ok());
    const std::string pid = (*lease)->query("SELECT pg_backend_pid()", {})->front().text(0);
    PGconn* admin = PQconnectdb(server()->conninfo().c_str());
    PQclear(PQexec(admin, ("SELECT pg_terminate_backend(" + pid + ")").c_str()));
    PQfinish(admin);
    auto dead = (*lease)->query("SELECT 1", {});
    ASSERT_FALSE(dead.ok());
    EXPECT_EQ(dead.error().code, static_cast<int>(Errc::kUnavailable));
  }
  auto lease = (*db)->acquire();
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  EXPECT_EQ((*lease)->query("SELECT 1", {})->front().int64(0), 1);
}

}  // namespace
}  // namespace bw::auth::store::testing
