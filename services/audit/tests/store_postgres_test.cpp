// The audit store contract against PostgreSQL 15: one server (tests/harness PostgresServer)
// for the whole executable, a fresh database in it per test.
#include <atomic>

#include "bw/testing/postgres_server.hpp"
#include "store_fixture.hpp"

namespace bw::audit::store::testing {
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
  const std::string name = "audit_" + std::to_string(next++);
  if (auto s = create_database(name); !s) return s.error();
  auto db = bw::sql::open_postgres({.conninfo = server()->conninfo_for(name), .pool_size = 4});
  if (!db) return db.error();
  return FreshDatabase{std::shared_ptr<bw::sql::Database>(std::move(db).value()), nullptr};
}


TEST(AuditPostgresStore, OpenStoreUsesTheDatabaseUrlAndMigratesOnce) {
  ASSERT_NE(server(), nullptr);
  ASSERT_TRUE(create_database("audit_open").ok());
  const StoreConfig config{.database_url = server()->conninfo_for("audit_open")};
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
}

TEST(AuditPostgresStore, TruncateIsRefused) {
  ASSERT_NE(server(), nullptr);
  ASSERT_TRUE(create_database("audit_truncate").ok());
  auto store = open_store({.database_url = server()->conninfo_for("audit_truncate")}, kT0);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto db = bw::sql::open_postgres({.conninfo = server()->conninfo_for("audit_truncate")});
  auto lease = (*db)->acquire();
  for (const char* table : {"audit_entries", "audit_checkpoints", "audit_trees"}) {
    auto s = (*lease)->exec_script(std::string("TRUNCATE ") + table);
    ASSERT_FALSE(s.ok()) << table;
    EXPECT_EQ(s.error().code, static_cast<int>(Errc::kConstraint)) << s.error().message;
  }
}

}  // namespace

Backend this_backend() { return Backend{"postgres", &open_fresh_postgres}; }

}  // namespace bw::audit::store::testing
