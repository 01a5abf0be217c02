// Conversions between the store's row types and bw::sql values (internal to the store).
#pragma once

#include <algorithm>
#include <array>
#include <iterator>
#include <span>
#include <string>

#include "bw/sql/db.hpp"
#include "store/types.hpp"

namespace bw::audit::store::codec {

template <std::size_t N>
bw::sql::Value blob(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

// Fixed-size bytes from a column; a column of another length yields zeros past its end
// (the schema's CHECKs keep lengths exact).
template <std::size_t N>
std::array<std::uint8_t, N> fixed(const bw::sql::Row& row, std::size_t i) {
  std::array<std::uint8_t, N> out{};
  const Bytes b = row.bytes(i);
  std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
  return out;
}

// The entry columns, in the order entry_values() and read_entry() use.
inline constexpr std::string_view kEntryColumns =
    "tenant, leaf_index, event_id, event_time_ms, actor_kind, actor_id, action, result, "
    "target_type, target_id, source_address, producer, leaf_data, leaf_hash, recorded_at_ms";
inline constexpr std::string_view kEntryColumnNames[] = {
    "tenant", "leaf_index", "event_id", "event_time_ms", "actor_kind", "actor_id", "action", "result",
    "target_type", "target_id", "source_address", "producer", "leaf_data", "leaf_hash", "recorded_at_ms"};
inline constexpr std::size_t kEntryColumnCount = std::size(kEntryColumnNames);

// Appends the entry's values, in kEntryColumns order.
void entry_values(const Entry& e, std::vector<bw::sql::Value>& out);

// An entry from a row selected with kEntryColumns.
Entry read_entry(const bw::sql::Row& row);

// "(?, ?, …), (?, …)" for `rows` rows of `cols` placeholders.
std::string placeholders(std::size_t rows, std::size_t cols);

// PostgreSQL's text form of a bytea[] holding `ids`: {"\\x00ff…","\\x…"} (for
// CAST(? AS bytea[]) on a text parameter).
std::string bytea_array_text(std::span<const EventId> ids);

}  // namespace bw::audit::store::codec
