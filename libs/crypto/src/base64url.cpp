// base64url: see base64url.hpp. Characters are mapped with arithmetic masks instead of tables
// or branches, and a bad character only sets a flag that is checked after the whole input has
// been read, so timing depends on the length alone. Only when decoding has already failed do
// we look again at the text, to say why.
#include "bw/crypto/base64url.hpp"

#include <cstdint>

#include "bw/crypto/errors.hpp"

namespace bw::crypto {
namespace {

// All ones if lo <= x <= hi, else zero (x, lo, hi < 256): an out-of-range x makes one of the
// two differences wrap around and set the top bit.
constexpr std::uint32_t mask_in(std::uint32_t x, std::uint32_t lo, std::uint32_t hi) {
  return (((x - lo) | (hi - x)) >> 31) - 1;
}

char encode_sextet(std::uint32_t v) {
  const std::uint32_t c = (mask_in(v, 0, 25) & (v + 'A')) | (mask_in(v, 26, 51) & (v - 26 + 'a')) |
                          (mask_in(v, 52, 61) & (v - 52 + '0')) | (mask_in(v, 62, 62) & '-') |
                          (mask_in(v, 63, 63) & '_');
  return static_cast<char>(c);
}

// The 6-bit value of c; sets every bit of *bad if c is outside the alphabet.
std::uint32_t decode_char(char ch, std::uint32_t* bad) {
  const std::uint32_t c = static_cast<unsigned char>(ch);
  const std::uint32_t upper = mask_in(c, 'A', 'Z');
  const std::uint32_t lower = mask_in(c, 'a', 'z');
  const std::uint32_t digit = mask_in(c, '0', '9');
  const std::uint32_t dash = mask_in(c, '-', '-');
  const std::uint32_t underscore = mask_in(c, '_', '_');
  *bad |= ~(upper | lower | digit | dash | underscore);
  return (upper & (c - 'A')) | (lower & (c - 'a' + 26)) | (digit & (c - '0' + 52)) | (dash & 62) |
         (underscore & 63);
}

Error explain_bad_text(std::string_view text) {
  for (char c : text) {
    if (c == '=') return make_error(Errc::kInvalidEncoding, "base64url: '=' padding not accepted");
  }
  return make_error(Errc::kInvalidEncoding, "base64url: character outside the alphabet");
}

}  // namespace

std::string base64url_encode(ByteView data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                            data[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(encode_sextet((v >> shift) & 63));
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16;
    out.push_back(encode_sextet((v >> 18) & 63));
    out.push_back(encode_sextet((v >> 12) & 63));
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out.push_back(encode_sextet((v >> 18) & 63));
    out.push_back(encode_sextet((v >> 12) & 63));
    out.push_back(encode_sextet((v >> 6) & 63));
  }
  return out;
}

Result<Bytes> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) {
    return make_error(Errc::kInvalidEncoding, "base64url: length of 1 mod 4 is impossible");
  }
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bad = 0;
  std::uint32_t acc = 0;  // bits not yet emitted, right-aligned
  int bits = 0;
  for (char c : text) {
    acc = (acc << 6) | decode_char(c, &bad);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (std::uint32_t{1} << bits) - 1;
    }
  }
  if (bad != 0) return explain_bad_text(text);
  // 2 or 4 bits are left over after 2 or 3 final characters; the canonical encoding has them 0.
  if (acc != 0) {
    return make_error(Errc::kInvalidEncoding, "base64url: non-zero trailing bits (non-canonical)");
  }
  return out;
}

}  // namespace bw::crypto
