#include "store/sql_codec.hpp"

namespace bw::audit::store::codec {

void entry_values(const Entry& e, std::vector<bw::sql::Value>& out) {
  out.emplace_back(blob(e.tenant));
  out.emplace_back(e.leaf_index);
  out.emplace_back(blob(e.event_id));
  out.emplace_back(e.event_time_ms);
  out.emplace_back(std::int64_t{e.actor_kind});
  out.emplace_back(e.actor_id);
  out.emplace_back(e.action);
  out.emplace_back(std::int64_t{e.result});
  out.emplace_back(e.target_type);
  out.emplace_back(e.target_id);
  out.emplace_back(e.source_address);
  out.emplace_back(e.producer);
  out.emplace_back(e.leaf_data);
  out.emplace_back(blob(e.leaf_hash));
  out.emplace_back(e.recorded_at_ms);
}

Entry read_entry(const bw::sql::Row& row) {
  Entry e;
  e.tenant = fixed<16>(row, 0);
  e.leaf_index = row.int64(1);
  e.event_id = fixed<16>(row, 2);
  e.event_time_ms = row.int64(3);
  e.actor_kind = static_cast<int>(row.int64(4));
  e.actor_id = row.bytes(5);
  e.action = row.text(6);
  e.result = static_cast<int>(row.int64(7));
  e.target_type = row.text(8);
  e.target_id = row.bytes(9);
  e.source_address = row.bytes(10);
  e.producer = row.text(11);
  e.leaf_data = row.bytes(12);
  e.leaf_hash = fixed<32>(row, 13);
  e.recorded_at_ms = row.int64(14);
  return e;
}

std::string placeholders(std::size_t rows, std::size_t cols) {
  std::string one = "(";
  for (std::size_t c = 0; c < cols; ++c) one += c == 0 ? "?" : ", ?";
  one += ")";
  std::string out;
  out.reserve(rows * (one.size() + 2));
  for (std::size_t r = 0; r < rows; ++r) {
    if (r) out += ", ";
    out += one;
  }
  return out;
}

namespace {

// Array-literal elements (PostgreSQL text format): every element double-quoted, so only
// '"' and '\\' need a backslash; bytea in hex ("\\x0a1b" — the backslash escaped).
void add_bytes(std::string& out, ByteView b) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += out.size() == 1 ? "\"\\\\x" : ",\"\\\\x";
  for (std::uint8_t c : b) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  out += '"';
}
void add_text(std::string& out, std::string_view t) {
  out += out.size() == 1 ? "\"" : ",\"";
  for (char c : t) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}
void add_int(std::string& out, std::int64_t n) {
  if (out.size() > 1) out += ',';
  out += std::to_string(n);
}

}  // namespace

std::string pg_unnest_insert(std::string_view table) {
  return "INSERT INTO " + std::string(table) + " (" + std::string(kEntryColumns) +
         ") SELECT * FROM unnest(?::bytea[], ?::bigint[], ?::bytea[], ?::bigint[], ?::integer[], ?::bytea[], "
    "?::text[], ?::integer[], ?::text[], ?::bytea[], ?::bytea[], ?::text[], ?::bytea[], ?::bytea[], ?::bigint[])";
}

std::vector<bw::sql::Value> pg_column_arrays(std::span<const Entry> rows) {
  std::vector<std::string> col(kEntryColumnCount, "{");
  for (const Entry& e : rows) {
    add_bytes(col[0], e.tenant);
    add_int(col[1], e.leaf_index);
    add_bytes(col[2], e.event_id);
    add_int(col[3], e.event_time_ms);
    add_int(col[4], e.actor_kind);
    add_bytes(col[5], e.actor_id);
    add_text(col[6], e.action);
    add_int(col[7], e.result);
    add_text(col[8], e.target_type);
    add_bytes(col[9], e.target_id);
    add_bytes(col[10], e.source_address);
    add_text(col[11], e.producer);
    add_bytes(col[12], e.leaf_data);
    add_bytes(col[13], e.leaf_hash);
    add_int(col[14], e.recorded_at_ms);
  }
  std::vector<bw::sql::Value> out;
  out.reserve(col.size());
  for (auto& c : col) {
    c += '}';
    out.emplace_back(std::in_place_type<std::string>, std::move(c));
  }
  return out;
}

}  // namespace bw::audit::store::codec
