// Strict unpadded base32: see base32.hpp.
#include "bw/authcore/base32.hpp"

#include <cstdint>

#include "bw/authcore/errors.hpp"

namespace bw::authcore {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string base32_encode(ByteView data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(buffer >> bits) & 0x1F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1F]);
  return out;
}

Result<crypto::SecretBytes> base32_decode(std::string_view text) {
  const std::size_t rem = text.size() % 8;
  if (rem == 1 || rem == 3 || rem == 6) {
    return make_error(Errc::kInvalidEncoding, "base32 text has an impossible length");
  }
  crypto::SecretBytes out(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t n = 0;
  for (char c : text) {
    const int v = value_of(c);
    if (v < 0) return make_error(Errc::kInvalidEncoding, "base32 text has a bad character");
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.data()[n++] = static_cast<std::uint8_t>(buffer >> bits);
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) {
    return make_error(Errc::kInvalidEncoding, "base32 text has non-zero unused bits");
  }
  buffer = 0;
  return out;
}

}  // namespace bw::authcore
