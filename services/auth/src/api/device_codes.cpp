// Device-grant helpers (device_codes.hpp).
#include "api/device_codes.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "bw/crypto/random.hpp"
#include "bw/json/object.hpp"

namespace bw::auth::api::detail {

std::string generate_user_code() {
  // 256 - 256 % 20 = 240: bytes at or above it are dropped so every letter is equally likely.
  constexpr unsigned kLimit = 256 - 256 % kUserCodeAlphabet.size();
  std::string out;
  while (out.size() < kUserCodeLength) {
    std::array<std::uint8_t, 16> buf{};
    crypto::random_bytes(buf);
    for (std::uint8_t b : buf) {
      if (b >= kLimit || out.size() == kUserCodeLength) continue;
      out.push_back(kUserCodeAlphabet[b % kUserCodeAlphabet.size()]);
    }
  }
  return out;
}

std::string display_user_code(std::string_view canonical) {
  const std::size_t half = canonical.size() / 2;
  return std::string(canonical.substr(0, half)) + "-" + std::string(canonical.substr(half));
}

std::optional<std::string> normalize_user_code(std::string_view typed) {
  if (typed.size() > 32) return std::nullopt;
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (kUserCodeAlphabet.find(c) == std::string_view::npos) return std::nullopt;
    out.push_back(c);
  }
  if (out.size() != kUserCodeLength) return std::nullopt;
  return out;
}

bool valid_device_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == ' ' || name.back() == ' ') return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Result<std::string> parse_device_name_body(std::string_view body) {
  auto fields = json::parse_object(body);
  if (!fields) return fields.error();
  auto name = fields->string("name", 1, 64);
  if (!name) return name.error();
  if (auto st = fields->finish(); !st) return st.error();
  if (!valid_device_name(*name)) return Error{0, std::string(kDeviceNameRule)};
  return std::move(name).value();
}

}  // namespace bw::auth::api::detail
