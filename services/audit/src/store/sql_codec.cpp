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

std::string bytea_array_text(std::span<const EventId> ids) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "{";
  out.reserve(2 + ids.size() * (6 + 2 * sizeof(EventId)));
  for (const EventId& id : ids) {
    if (out.size() > 1) out += ',';
    out += "\"\\\\x";  // "\\x: the array literal's escaped backslash, then bytea's hex prefix
    for (const std::uint8_t b : id) {
      out += kHex[b >> 4];
      out += kHex[b & 0x0f];
    }
    out += '"';
  }
  out += '}';
  return out;
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

}  // namespace bw::audit::store::codec
