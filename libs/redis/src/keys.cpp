// Hash-tagged key builders and the Redis Cluster slot function (CRC16/XMODEM:
// polynomial 0x1021, initial value 0, no reflection — the CRC Redis Cluster specifies).
#include "bw/redis/keys.hpp"

#include <array>

#include "bw/redis/errors.hpp"

namespace bw::redis {
namespace {

constexpr std::array<std::uint16_t, 256> make_crc16_table() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    unsigned crc = byte << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000u) != 0 ? (crc << 1) ^ 0x1021u : crc << 1;
    }
    table[byte] = static_cast<std::uint16_t>(crc & 0xffffu);
  }
  return table;
}

constexpr std::array<std::uint16_t, 256> kCrc16Table = make_crc16_table();

std::uint16_t crc16(std::string_view data) {
  std::uint16_t crc = 0;
  for (char c : data) {
    auto byte = static_cast<std::uint8_t>(c);
    crc = static_cast<std::uint16_t>((crc << 8) ^ kCrc16Table[((crc >> 8) ^ byte) & 0xffu]);
  }
  return crc;
}

bool is_forbidden(unsigned char c) {
  return c == '{' || c == '}' || c == ' ' || c < 0x20 || c == 0x7f;
}

Error invalid(std::string_view what, std::string_view part) {
  // The part itself is not echoed: it may be user data, and it may hold control bytes.
  return make_error(Errc::kInvalidArgument,
                    std::string("invalid key ") + std::string(what) + " (" +
                        std::to_string(part.size()) + " bytes): empty, or has '{', '}', " +
                        "whitespace or a control character");
}

}  // namespace

bool is_valid_key_part(std::string_view part) {
  if (part.empty()) return false;
  for (char c : part) {
    if (is_forbidden(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Result<std::string> tagged_key(std::string_view kind, std::string_view id,
                               std::string_view suffix) {
  if (!is_valid_key_part(kind) || kind.find(':') != std::string_view::npos) {
    return invalid("kind", kind);
  }
  if (!is_valid_key_part(id)) return invalid("id", id);
  if (!is_valid_key_part(suffix)) return invalid("suffix", suffix);
  std::string key;
  key.reserve(kind.size() + id.size() + suffix.size() + 7);
  key.append("bw:{").append(kind).append(":").append(id).append("}:").append(suffix);
  return key;
}

Result<std::string> device_key(std::string_view device_id_hex, std::string_view suffix) {
  return tagged_key("d", device_id_hex, suffix);
}

Result<std::string> tenant_key(std::string_view tenant_id, std::string_view suffix) {
  return tagged_key("t", tenant_id, suffix);
}

std::uint16_t hash_slot(std::string_view key) {
  auto open = key.find('{');
  if (open != std::string_view::npos) {
    auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return static_cast<std::uint16_t>(crc16(key) % kHashSlots);
}

}  // namespace bw::redis
