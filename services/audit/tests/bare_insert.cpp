// See bare_insert.hpp.
#include "bare_insert.hpp"

#include <algorithm>
#include <random>
#include <string>

#include "bw/sql/migrations.hpp"
#include "store/sql_codec.hpp"

namespace bw::audit::store::bench {

Status create_bare_table(bw::sql::Database& db) {
  auto lease = db.acquire();
  if (!lease) return lease.error();
  return (*lease)->exec_script(bw::sql::adapt_sql(
      db.dialect(),
      "CREATE TABLE IF NOT EXISTS bench_bare (tenant BLOB, leaf_index BIGINT, event_id BLOB, event_time_ms BIGINT, "
      "actor_kind INTEGER, actor_id BLOB, action TEXT, result INTEGER, target_type TEXT, target_id BLOB, "
      "source_address BLOB, producer TEXT, leaf_data BLOB, leaf_hash BLOB, recorded_at_ms BIGINT)"));
}

Status bare_insert(bw::sql::Database& db, std::span<const Entry> rows) {
  std::vector<bw::sql::Value> values;
  values.reserve(rows.size() * codec::kEntryColumnCount);
  for (const Entry& e : rows) codec::entry_values(e, values);
  auto done = bw::sql::in_transaction<bool>(db, [&](bw::sql::Connection& conn) -> Result<bool> {
    if (auto s = conn.insert_rows("bench_bare", codec::kEntryColumnNames, values); !s) return s.error();
    return true;
  });
  if (!done) return done.error();
  return {};
}

std::vector<std::vector<Entry>> make_batches(int batches, int rows_per_batch, int tenants) {
  std::mt19937_64 rng(42);
  std::vector<std::int64_t> next(static_cast<std::size_t>(tenants), 0);
  std::vector<std::vector<Entry>> out(static_cast<std::size_t>(batches));
  for (auto& batch : out) {
    for (int i = 0; i < rows_per_batch; ++i) {
      const int t = i * tenants / rows_per_batch;
      Entry e{.tenant = TenantId{static_cast<std::uint8_t>(t + 1)}, .leaf_index = next[static_cast<std::size_t>(t)]++};
      for (auto& x : e.event_id) x = static_cast<std::uint8_t>(rng());
      for (auto& x : e.leaf_hash) x = static_cast<std::uint8_t>(rng());
      e.event_time_ms = 1'800'000'000'000 + e.leaf_index;
      e.actor_kind = 1;
      e.actor_id = Bytes(16, static_cast<std::uint8_t>(rng() % 50));
      e.action = "auth.login";
      e.result = 1;
      e.target_type = "user";
      e.target_id = Bytes(16, 3);
      e.source_address = Bytes(16, 4);
      e.producer = "auth";
      e.leaf_data = Bytes(180, static_cast<std::uint8_t>(rng()));
      batch.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace bw::audit::store::bench
