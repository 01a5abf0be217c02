// Tree sizes, idempotency lookups and append.
//
// append() in one transaction: for each tenant of the batch (in tenant-id order, so two
// multi-tenant batches lock trees in the same order and never deadlock) the tree row is
// created if missing and moved from its size before the batch to the size after it by a
// compare-and-set UPDATE; then the leaves go in with bw::sql's insert_rows() (SQLite:
// multi-row INSERTs; PostgreSQL: COPY). The CAS is what serialises appenders of one tenant
// (SQLite: the database write lock already does; PostgreSQL: the row lock, and READ
// COMMITTED re-checks the WHERE after waiting), and the primary key (tenant, leaf_index) is
// the backstop against duplicates.
#include <algorithm>
#include <map>

#include "store/sql_codec.hpp"
#include "store/sql_store.hpp"

namespace bw::audit::store {
namespace {

using bw::sql::Connection;
using bw::sql::Value;

// Per tenant: the index the batch starts at and how many rows it adds.
struct Span {
  std::int64_t first = 0;
  std::int64_t count = 0;
};

// Checks lengths and that each tenant's indexes are consecutive in batch order.
Result<std::map<TenantId, Span>> plan(std::span<const Entry> rows) {
  std::map<TenantId, Span> spans;
  for (const Entry& e : rows) {
    if (e.leaf_index < 0) return make_error(Errc::kInvalid, "append: negative leaf_index");
    auto [it, fresh] = spans.try_emplace(e.tenant, Span{e.leaf_index, 0});
    if (e.leaf_index != it->second.first + it->second.count) {
      return make_error(Errc::kConflict, "append: leaf indexes of a tenant must be consecutive");
    }
    ++it->second.count;
  }
  return spans;
}

Status advance_tree(Connection& conn, const TenantId& tenant, const Span& span) {
  const Value create[] = {codec::blob(tenant)};
  if (auto r = conn.execute("INSERT INTO audit_trees (tenant, tree_size) VALUES (?, 0) "
                            "ON CONFLICT (tenant) DO NOTHING", create); !r) {
    return r.error();
  }
  const Value cas[] = {span.first + span.count, codec::blob(tenant), span.first};
  auto changed = conn.execute("UPDATE audit_trees SET tree_size = ? WHERE tenant = ? AND tree_size = ?", cas);
  if (!changed) return changed.error();
  if (*changed != 1) return make_error(Errc::kConflict, "append: leaf_index is not the tenant's next index");
  return {};
}

// All rows in one bw::sql insert_rows() (PostgreSQL: one COPY; SQLite: cached multi-row
// INSERTs).
Status insert_entries(Connection& conn, std::span<const Entry> rows) {
  std::vector<Value> values;
  values.reserve(rows.size() * codec::kEntryColumnCount);
  for (const Entry& e : rows) codec::entry_values(e, values);
  return conn.insert_rows("audit_entries", codec::kEntryColumnNames, values);
}

}  // namespace

Result<bw::sql::Rows> SqlStore::read(std::string_view sql, std::span<const Value> params) {
  auto lease = db_->acquire();
  if (!lease) return lease.error();
  return (*lease)->query(sql, params);
}

Result<std::int64_t> SqlStore::tree_size(const TenantId& tenant) {
  const Value p[] = {codec::blob(tenant)};
  auto rows = read("SELECT tree_size FROM audit_trees WHERE tenant = ?", p);
  if (!rows) return rows.error();
  return rows->empty() ? std::int64_t{0} : rows->front().int64(0);
}

// PostgreSQL: all ids in one array parameter, each looked up by its own probe of the
// UNIQUE (tenant, event_id) index: a scalar subquery per element of unnest(), which the
// planner cannot turn into a join, so no table statistics can lead it to a scan of the
// tenant. Measured on 100,000 rows of one tenant, 1,000 ids: 3–4 ms whether or not the table
// was analysed, against 17–38 ms for two IN lists of 500 placeholders (analysed) and 140 ms
// (not analysed); `event_id = ANY(CAST(? AS bytea[]))` took 38 s unanalysed (the cast
// evaluated per row). The array travels in its text form ({"\\x…",…}: hex digits only).
// SQLite: IN lists of at most 500 placeholders (its planner uses the unique index).
Result<std::vector<KnownEvent>> SqlStore::find_events(const TenantId& tenant, std::span<const EventId> ids) {
  constexpr std::size_t kPerStatement = 500;
  std::vector<KnownEvent> found;
  if (ids.empty()) return found;
  auto lease = db_->acquire();
  if (!lease) return lease.error();
  bw::sql::Connection& conn = **lease;
  if (conn.dialect() == bw::sql::Dialect::kPostgres) {
    const Value p[] = {codec::blob(tenant), codec::bytea_array_text(ids)};
    auto rows = conn.query("SELECT q.id, (SELECT e.leaf_index FROM audit_entries e WHERE e.tenant = ? AND "
                           "e.event_id = q.id) FROM unnest(CAST(? AS bytea[])) AS q(id)", p);
    if (!rows) return rows.error();
    for (const auto& row : *rows) {
      if (!row.is_null(1)) found.push_back({codec::fixed<16>(row, 0), row.int64(1)});  // NULL: not logged
    }
    return found;
  }
  for (std::size_t at = 0; at < ids.size(); at += kPerStatement) {
    const std::size_t n = std::min(kPerStatement, ids.size() - at);
    std::vector<Value> p{codec::blob(tenant)};
    for (std::size_t i = at; i < at + n; ++i) p.push_back(codec::blob(ids[i]));
    const std::string sql = "SELECT event_id, leaf_index FROM audit_entries WHERE tenant = ? AND event_id IN " +
                            codec::placeholders(1, n);
    auto rows = conn.query(sql, p);
    if (!rows) return rows.error();
    for (const auto& row : *rows) found.push_back({codec::fixed<16>(row, 0), row.int64(1)});
  }
  return found;
}

Status SqlStore::append(std::span<const Entry> rows) {
  if (rows.empty()) return {};
  auto spans = plan(rows);
  if (!spans) return spans.error();
  auto done = bw::sql::in_transaction<bool>(*db_, [&](Connection& conn) -> Result<bool> {
    for (const auto& [tenant, span] : *spans) {
      if (auto s = advance_tree(conn, tenant, span); !s) return s.error();
    }
    if (auto s = insert_entries(conn, rows); !s) return s.error();
    return true;
  });
  if (!done) return done.error();
  return {};
}

}  // namespace bw::audit::store
