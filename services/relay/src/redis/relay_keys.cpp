// Key and channel names (relay_keys.hpp).
#include "redis/relay_keys.hpp"

namespace bw::relay::redis {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kPrefix = "bw:{d:";
constexpr std::string_view kChannelSuffix = "}:ch";

std::string device_prefix(const DeviceId& device) {
  std::string key(kPrefix);
  key += id_hex(device);
  key += "}:";
  return key;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // uppercase is not canonical
}

}  // namespace

std::string id_hex(const std::array<std::uint8_t, 16>& id) {
  std::string out;
  out.reserve(32);
  for (std::uint8_t b : id) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

std::optional<std::array<std::uint8_t, 16>> parse_id_hex(std::string_view text) {
  if (text.size() != 32) return std::nullopt;
  std::array<std::uint8_t, 16> id{};
  for (std::size_t i = 0; i < id.size(); ++i) {
    int hi = hex_value(text[2 * i]);
    int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return id;
}

std::string mailbox_key(const DeviceId& device) { return device_prefix(device) + "mbox"; }
std::string nonce_key(const DeviceId& device, const Nonce& nonce) {
  return device_prefix(device) + "n:" + id_hex(nonce);
}
std::string cut_key(const DeviceId& device) { return device_prefix(device) + "cut"; }
std::string owner_key(const DeviceId& device) { return device_prefix(device) + "owner"; }
std::string device_channel(const DeviceId& device) { return device_prefix(device) + "ch"; }

std::optional<DeviceId> parse_device_channel(std::string_view channel) {
  if (channel.size() != kPrefix.size() + 32 + kChannelSuffix.size()) return std::nullopt;
  if (channel.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  if (channel.substr(kPrefix.size() + 32) != kChannelSuffix) return std::nullopt;
  return parse_id_hex(channel.substr(kPrefix.size(), 32));
}

bool is_valid_token(std::string_view token) {
  if (token.empty() || token.size() > 64) return false;
  for (char c : token) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace bw::relay::redis
