// The store contract against SQLite: a fresh database file in its own TempDir per test.
#include "bw/testing/temp_dir.hpp"
#include "store_fixture.hpp"

namespace bw::auth::store::testing {
namespace {

Result<FreshDatabase> open_fresh_sqlite() {
  auto dir = bw::testing::TempDir::create("bw-auth-store-");
  if (!dir) return dir.error();
  auto keep = std::make_shared<bw::testing::TempDir>(std::move(dir).value());
  auto db = open_sqlite(SqliteOptions{.path = (keep->path() / "auth.db").string(), .pool_size = 4});
  if (!db) return db.error();
  return FreshDatabase{std::shared_ptr<Database>(std::move(db).value()), keep};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values(Backend{"sqlite", &open_fresh_sqlite}));
INSTANTIATE_TEST_SUITE_P(Sqlite, PairingTest, ::testing::Values(Backend{"sqlite", &open_fresh_sqlite}));
INSTANTIATE_TEST_SUITE_P(Sqlite, InvitationTest, ::testing::Values(Backend{"sqlite", &open_fresh_sqlite}));

TEST(SqliteDatabase, UsesWalAndForeignKeys) {
  auto fresh = open_fresh_sqlite();
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  auto lease = fresh->db->acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)->query("PRAGMA journal_mode", {})->front().text(0), "wal");
  EXPECT_EQ((*lease)->query("PRAGMA foreign_keys", {})->front().int64(0), 1);
  EXPECT_EQ((*lease)->query("PRAGMA busy_timeout", {})->front().int64(0), 5000);
}

TEST(SqliteDatabase, AnUnopenablePathIsUnavailable) {
  auto db = open_sqlite(SqliteOptions{.path = "/nonexistent-dir/x/auth.db"});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, static_cast<int>(Errc::kUnavailable));
}

TEST(SqliteStore, OpenStoreMigratesOnceAndReopens) {
  auto dir = bw::testing::TempDir::create("bw-auth-store-");
  ASSERT_TRUE(dir.ok());
  const StoreConfig config{.sqlite_path = (dir->path() / "auth.db").string()};
  expect_open_store_migrates_once(config, kT0);
}

}  // namespace
}  // namespace bw::auth::store::testing
