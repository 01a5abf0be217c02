// The SQLite backend of the bw::sql port: pragmas, value round trips, statement reuse.
#include <gtest/gtest.h>

#include "bw/sql/db.hpp"
#include "bw/sql/errors.hpp"
#include "bw/testing/temp_dir.hpp"

namespace bw::sql {
namespace {

struct Opened {
  bw::testing::TempDir dir;
  std::unique_ptr<Database> db;
};

Opened open_in_temp(bool synchronous_full) {
  auto dir = bw::testing::TempDir::create("bw-sql-");
  EXPECT_TRUE(dir.ok());
  auto db = open_sqlite(SqliteOptions{.path = (dir->path() / "t.db").string(), .synchronous_full = synchronous_full});
  EXPECT_TRUE(db.ok()) << db.error().message;
  return {std::move(dir).value(), std::move(db).value()};
}

TEST(SqliteDatabase, SynchronousIsNormalUnlessFullIsAsked) {
  auto normal = open_in_temp(false);
  auto a = normal.db->acquire();
  EXPECT_EQ((*a)->query("PRAGMA synchronous", {})->front().int64(0), 1);
  auto full = open_in_temp(true);
  auto b = full.db->acquire();
  EXPECT_EQ((*b)->query("PRAGMA synchronous", {})->front().int64(0), 2);
}

TEST(SqliteDatabase, ValuesRoundTripThroughAReusedStatement) {
  auto o = open_in_temp(false);
  auto conn = o.db->acquire();
  ASSERT_TRUE((*conn)->exec_script("CREATE TABLE t (i BIGINT, s TEXT, b BLOB, n BLOB)").ok());
  for (std::int64_t i = 0; i < 3; ++i) {
    const Value row[] = {i, "s" + std::to_string(i), Bytes(static_cast<std::size_t>(i), 7), nullptr};
    ASSERT_TRUE((*conn)->execute("INSERT INTO t VALUES (?, ?, ?, ?)", row).ok());
  }
  auto rows = (*conn)->query("SELECT i, s, b, n FROM t ORDER BY i", {});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3U);
  EXPECT_EQ((*rows)[2].text(1), "s2");
  EXPECT_EQ((*rows)[2].bytes(2), Bytes(2, 7));
  EXPECT_TRUE((*rows)[0].bytes(2).empty());
  EXPECT_FALSE((*rows)[0].is_null(2));  // an empty blob stays a blob
  EXPECT_TRUE((*rows)[0].is_null(3));
}

TEST(SqliteDatabase, AFailedStepLeavesTheCachedStatementUsable) {
  auto o = open_in_temp(false);
  auto conn = o.db->acquire();
  ASSERT_TRUE((*conn)->exec_script("CREATE TABLE u (k INTEGER PRIMARY KEY)").ok());
  const Value one[] = {std::int64_t{1}};
  ASSERT_TRUE((*conn)->execute("INSERT INTO u VALUES (?)", one).ok());
  auto dup = (*conn)->execute("INSERT INTO u VALUES (?)", one);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, static_cast<int>(Errc::kConflict));
  const Value two[] = {std::int64_t{2}};
  EXPECT_EQ(*(*conn)->execute("INSERT INTO u VALUES (?)", two), 1);
  EXPECT_TRUE((*conn)->healthy());
}

TEST(SqliteDatabase, InsertRowsInsertsEveryRowAcrossChunks) {
  auto o = open_in_temp(false);
  auto conn = o.db->acquire();
  ASSERT_TRUE((*conn)->exec_script("CREATE TABLE r (a BIGINT, b TEXT)").ok());
  std::vector<Value> values;
  for (std::int64_t i = 0; i < 120; ++i) {
    values.emplace_back(i);
    values.emplace_back("v" + std::to_string(i));
  }
  const std::string_view columns[] = {"a", "b"};
  ASSERT_TRUE((*conn)->insert_rows("r", columns, values).ok());
  EXPECT_EQ((*conn)->query("SELECT COUNT(*), SUM(a) FROM r", {})->front().int64(1), 119 * 120 / 2);
  EXPECT_EQ((*conn)->query("SELECT b FROM r WHERE a = 77", {})->front().text(0), "v77");
  values.pop_back();
  auto ragged = (*conn)->insert_rows("r", columns, values);
  ASSERT_FALSE(ragged.ok());
  EXPECT_EQ(ragged.error().code, static_cast<int>(Errc::kInternal));
}

TEST(SqliteDatabase, AParameterCountMismatchIsInternal) {
  auto o = open_in_temp(false);
  auto conn = o.db->acquire();
  auto r = (*conn)->query("SELECT ?", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, static_cast<int>(Errc::kInternal));
}

}  // namespace
}  // namespace bw::sql
