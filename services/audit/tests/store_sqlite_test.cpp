// The audit store contract against SQLite: a fresh database file in its own TempDir per test,
// opened as open_store() opens it (WAL, synchronous=FULL).
#include "bw/testing/temp_dir.hpp"
#include "store_fixture.hpp"

namespace bw::audit::store::testing {
namespace {

Result<FreshDatabase> open_fresh_sqlite() {
  auto dir = bw::testing::TempDir::create("bw-audit-store-");
  if (!dir) return dir.error();
  auto keep = std::make_shared<bw::testing::TempDir>(std::move(dir).value());
  auto db = bw::sql::open_sqlite(
      {.path = (keep->path() / "audit.db").string(), .pool_size = 4, .synchronous_full = true});
  if (!db) return db.error();
  return FreshDatabase{std::shared_ptr<bw::sql::Database>(std::move(db).value()), keep};
}


TEST(AuditSqliteStore, OpenStoreIsDurableAndMigratesOnce) {
  auto dir = bw::testing::TempDir::create("bw-audit-store-");
  ASSERT_TRUE(dir.ok());
  const StoreConfig config{.sqlite_path = (dir->path() / "audit.db").string()};
  const TenantId tenant{7};
  {
    auto store = open_store(config, kT0);
    ASSERT_TRUE(store.ok()) << store.error().message;
    Entry e{.tenant = tenant, .leaf_index = 0, .event_id = EventId{1}, .action = "a"};
    ASSERT_TRUE((*store)->append(std::vector<Entry>{e}).ok());
  }
  auto again = open_store(config, kT0 + 1);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*(*again)->tree_size(tenant), 1);
  auto db = bw::sql::open_sqlite({.path = config.sqlite_path});
  auto lease = (*db)->acquire();
  EXPECT_EQ((*lease)->query("SELECT COUNT(*) FROM audit_schema_migrations", {})->front().int64(0),
            static_cast<std::int64_t>(builtin_migrations().size()));
}

}  // namespace

Backend this_backend() { return Backend{"sqlite", &open_fresh_sqlite}; }

}  // namespace bw::audit::store::testing
