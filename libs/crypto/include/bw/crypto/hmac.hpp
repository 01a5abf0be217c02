// HMAC-SHA256 (RFC 2104) over OpenSSL's EVP_MAC. Like sha256.hpp, MAC computation returns the
// tag directly and aborts only if OpenSSL itself breaks. Verification is constant-time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "bw/bytes.hpp"

namespace bw::crypto {

inline constexpr std::size_t kHmacSha256Size = 32;
using HmacSha256Tag = std::array<std::uint8_t, kHmacSha256Size>;

// HMAC-SHA256(key, data). Any key length, including empty, is accepted (RFC 2104).
HmacSha256Tag hmac_sha256(ByteView key, ByteView data);

// True only if expected_tag is exactly 32 bytes and equals HMAC-SHA256(key, data); the
// comparison takes the same time wherever the tags differ. Truncated tags are not accepted.
[[nodiscard]] bool hmac_sha256_verify(ByteView key, ByteView data, ByteView expected_tag);

}  // namespace bw::crypto
