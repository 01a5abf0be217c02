// Reads: leaf hashes, single entries, filtered pages, the tenants and their sizes. Every
// statement filters by tenant first; pages follow the leaf order (the primary key, or an
// index ending in leaf_index), so a cursor never skips or repeats an entry.
#include "store/sql_codec.hpp"
#include "store/sql_store.hpp"

namespace bw::audit::store {
namespace {

using bw::sql::Value;

const std::string& select_entries() {
  static const std::string sql = "SELECT " + std::string(codec::kEntryColumns) + " FROM audit_entries ";
  return sql;
}

Result<Entry> one_entry(Result<bw::sql::Rows> rows) {
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "audit entry not found");
  return codec::read_entry(rows->front());
}

// The WHERE clause and parameters for a query's filters. (Values are emplaced from their
// alternatives: moving a Value through a helper trips GCC 12's -Wmaybe-uninitialized at -O2.)
void add_filters(const TenantId& tenant, const EntryQuery& q, std::string& where, std::vector<Value>& p) {
  where = "WHERE tenant = ?";
  p.emplace_back(Bytes(tenant.begin(), tenant.end()));
  if (q.time_from) {
    where += " AND event_time_ms >= ?";
    p.emplace_back(std::in_place_type<std::int64_t>, *q.time_from);
  }
  if (q.time_to) {
    where += " AND event_time_ms < ?";
    p.emplace_back(std::in_place_type<std::int64_t>, *q.time_to);
  }
  if (q.actor_id) {
    where += " AND actor_id = ?";
    p.emplace_back(std::in_place_type<Bytes>, *q.actor_id);
  }
  if (q.action) {
    where += " AND action = ?";
    p.emplace_back(std::in_place_type<std::string>, *q.action);
  }
  if (q.result) {
    where += " AND result = ?";
    p.emplace_back(std::in_place_type<std::int64_t>, *q.result);
  }
  if (q.after_leaf_index) {
    where += " AND leaf_index > ?";
    p.emplace_back(std::in_place_type<std::int64_t>, *q.after_leaf_index);
  }
}

}  // namespace

Result<std::vector<Hash>> SqlStore::leaf_hashes(const TenantId& tenant, std::int64_t begin, std::int64_t end) {
  if (begin < 0 || begin > end) return make_error(Errc::kInvalid, "leaf_hashes: bad range");
  if (begin == end) return std::vector<Hash>{};
  const Value p[] = {codec::blob(tenant), begin, end};
  auto rows = read("SELECT leaf_hash FROM audit_entries WHERE tenant = ? AND leaf_index >= ? AND leaf_index < ? "
                   "ORDER BY leaf_index",
                   p);
  if (!rows) return rows.error();
  if (static_cast<std::int64_t>(rows->size()) != end - begin) {
    return make_error(Errc::kNotFound, "leaf_hashes: range beyond the tree");
  }
  std::vector<Hash> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) out.push_back(codec::fixed<32>(row, 0));
  return out;
}

Result<Entry> SqlStore::entry_at(const TenantId& tenant, std::int64_t leaf_index) {
  const Value p[] = {codec::blob(tenant), leaf_index};
  return one_entry(read(select_entries() + "WHERE tenant = ? AND leaf_index = ?", p));
}

Result<Entry> SqlStore::entry_by_event_id(const TenantId& tenant, const EventId& event_id) {
  const Value p[] = {codec::blob(tenant), codec::blob(event_id)};
  return one_entry(read(select_entries() + "WHERE tenant = ? AND event_id = ?", p));
}

Result<EntryPage> SqlStore::query(const TenantId& tenant, const EntryQuery& q) {
  if (q.limit < 1 || q.limit > kMaxQueryLimit) return make_error(Errc::kInvalid, "query: limit out of range");
  std::string where;
  std::vector<Value> p;
  add_filters(tenant, q, where, p);
  p.emplace_back(std::in_place_type<std::int64_t>, q.limit + 1);  // one more tells whether another page exists
  auto rows = read(select_entries() + where + " ORDER BY leaf_index LIMIT ?", p);
  if (!rows) return rows.error();
  EntryPage page;
  page.more = rows->size() > static_cast<std::size_t>(q.limit);
  if (page.more) rows->pop_back();
  page.entries.reserve(rows->size());
  for (const auto& row : *rows) page.entries.push_back(codec::read_entry(row));
  return page;
}

Result<std::vector<TenantSize>> SqlStore::list_tenants() {
  auto rows = read("SELECT tenant, tree_size FROM audit_trees WHERE tree_size > 0 ORDER BY tenant", {});
  if (!rows) return rows.error();
  std::vector<TenantSize> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) out.push_back({codec::fixed<16>(row, 0), row.int64(1)});
  return out;
}

}  // namespace bw::audit::store
