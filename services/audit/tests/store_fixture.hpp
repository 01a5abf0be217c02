// The audit store contract tests' fixture: each test gets a fresh, migrated database from
// the backend its executable instantiates (store_sqlite_test.cpp, store_postgres_test.cpp),
// and helpers that make entries. Times are plain numbers: the store never reads a clock.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bw/sql/db.hpp"
#include "store/errors.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace bw::audit::store::testing {

struct FreshDatabase {
  std::shared_ptr<bw::sql::Database> db;
  std::shared_ptr<void> keep_alive;  // the TempDir or anything the database needs
};

struct Backend {
  const char* name;
  Result<FreshDatabase> (*open)();
};

inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

// The backend of this executable (store_sqlite_test.cpp or store_postgres_test.cpp); each
// contract file instantiates its fixtures with it.
Backend this_backend();

constexpr TimeMs kT0 = 1'800'000'000'000;

class AuditStoreTest : public ::testing::TestWithParam<Backend> {
 public:
  void SetUp() override {
    auto fresh = GetParam().open();
    ASSERT_TRUE(fresh.ok()) << fresh.error().message;
    fresh_ = std::move(fresh).value();
    auto version = bw::sql::migrate(db(), builtin_migrations(), kT0, kMigrationOptions);
    ASSERT_TRUE(version.ok()) << version.error().message;
    store_ = make_sql_store(fresh_.db);
  }

  bw::sql::Database& db() { return *fresh_.db; }
  Store& store() { return *store_; }

  template <std::size_t N>
  std::array<std::uint8_t, N> random_array() {
    std::array<std::uint8_t, N> a{};
    for (auto& b : a) b = static_cast<std::uint8_t>(rng_());
    return a;
  }
  TenantId new_tenant() { return random_array<16>(); }

  // An entry of `tenant` at `index`, with distinct content; actor/action/result/time vary
  // with the index so filters have something to select.
  Entry make_entry(const TenantId& tenant, std::int64_t index) {
    Entry e;
    e.tenant = tenant;
    e.leaf_index = index;
    e.event_id = random_array<16>();
    e.event_time_ms = kT0 + index * 1000;
    e.actor_kind = 1;
    e.actor_id = Bytes(16, static_cast<std::uint8_t>(index % 3));
    e.action = index % 2 == 0 ? "auth.login" : "auth.logout";
    e.result = 1 + static_cast<int>(index % 3);
    e.target_type = "user";
    e.target_id = Bytes(16, 9);
    e.source_address = Bytes(16, 1);
    e.producer = "auth";
    e.leaf_data = Bytes(200, static_cast<std::uint8_t>(index));
    e.leaf_hash = random_array<32>();
    e.recorded_at_ms = kT0 + 5;
    return e;
  }

  // `n` consecutive entries of `tenant` starting at `first`.
  std::vector<Entry> make_batch(const TenantId& tenant, std::int64_t first, std::int64_t n) {
    std::vector<Entry> out;
    for (std::int64_t i = 0; i < n; ++i) out.push_back(make_entry(tenant, first + i));
    return out;
  }

  // Appends and expects success.
  void append_ok(const std::vector<Entry>& rows) {
    auto s = store().append(rows);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  // A raw statement bypassing the store (for the append-only triggers).
  Result<std::int64_t> raw_execute(const std::string& sql) {
    auto lease = db().acquire();
    if (!lease) return lease.error();
    return (*lease)->execute(sql, {});
  }

  std::int64_t count(const std::string& sql) {
    auto lease = db().acquire();
    EXPECT_TRUE(lease.ok());
    if (!lease.ok()) return -1;
    auto rows = (*lease)->query(sql, {});
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() && !rows->empty() ? rows->front().int64(0) : -1;
  }

  FreshDatabase fresh_;
  std::unique_ptr<Store> store_;
  std::mt19937_64 rng_{std::random_device{}()};
};

#define EXPECT_ERRC(result, errc)                                                     \
  do {                                                                                \
    const auto& r_ = (result);                                                        \
    ASSERT_FALSE(r_.ok());                                                            \
    EXPECT_EQ(r_.error().code, static_cast<int>(errc)) << r_.error().message;         \
  } while (0)

}  // namespace bw::audit::store::testing
