// The migration runner and adapt_sql on SQLite (the PostgreSQL side runs in every store's
// postgres-labelled contract tests).
#include <gtest/gtest.h>

#include "bw/sql/errors.hpp"
#include "bw/sql/migrations.hpp"
#include "bw/testing/temp_dir.hpp"

namespace bw::sql {
namespace {

constexpr Migration kTwo[] = {
    {1, "0001_a.sql", "CREATE TABLE a (x BLOB);"},
    {2, "0002_b.sql", "CREATE TABLE b (y INTEGER);\n-- @postgres\nNOT SQLITE;\n-- @all\nCREATE TABLE c (z INTEGER);"},
};

TEST(AdaptSql, KeepsOnlyTheDialectsSections) {
  const std::string sql = "A BLOB;\n-- @sqlite\nS;\n-- @postgres\nP;\n-- @all\nB;\n";
  EXPECT_EQ(adapt_sql(Dialect::kSqlite, sql), "A BLOB;\nS;\nB;\n");
  EXPECT_EQ(adapt_sql(Dialect::kPostgres, sql), "A BYTEA;\nP;\nB;\n");
}

class Migrations : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = open_sqlite(SqliteOptions{.path = (dir_.path() / "m.db").string()});
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
  }
  bw::testing::TempDir dir_ = std::move(bw::testing::TempDir::create("bw-sql-").value());
  std::unique_ptr<Database> db_;
};

TEST_F(Migrations, AppliesInOrderIntoTheNamedHistoryTableOnce) {
  const MigrationOptions o{.history_table = "svc_migrations", .advisory_lock_key = 1};
  ASSERT_EQ(*migrate(*db_, kTwo, 5, o), 2);
  ASSERT_EQ(*migrate(*db_, kTwo, 6, o), 2);
  auto conn = db_->acquire();
  EXPECT_EQ((*conn)->query("SELECT COUNT(*) FROM svc_migrations", {})->front().int64(0), 2);
  EXPECT_TRUE((*conn)->query("SELECT z FROM c", {}).ok());
  EXPECT_EQ(*schema_version(*db_), 0);  // the default history table is another service's
}

TEST_F(Migrations, ANewerDatabaseIsRefused) {
  ASSERT_TRUE(migrate(*db_, kTwo, 5).ok());
  auto r = migrate(*db_, std::span(kTwo).first(1), 6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, static_cast<int>(Errc::kSchemaTooNew));
}

TEST_F(Migrations, AFailingMigrationLeavesNothingAndNamesTheFile) {
  const Migration broken[] = {kTwo[0], {2, "0002_bad.sql", "CREATE TABLE half (a INTEGER); SELECT * FROM nope;"}};
  auto r = migrate(*db_, broken, 5);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("0002_bad.sql"), std::string::npos);
  EXPECT_EQ(*schema_version(*db_), 1);
  auto conn = db_->acquire();
  EXPECT_FALSE((*conn)->query("SELECT COUNT(*) FROM half", {}).ok());
}

}  // namespace
}  // namespace bw::sql
