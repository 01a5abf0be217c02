// HKDF-SHA256 (RFC 5869, extract-then-expand) over OpenSSL's EVP_KDF "HKDF". The output is
// key material and comes back in a SecretBytes.
#pragma once

#include <cstddef>

#include "bw/bytes.hpp"
#include "bw/crypto/secret_bytes.hpp"
#include "bw/result.hpp"

namespace bw::crypto {

// Largest output RFC 5869 allows for SHA-256: 255 blocks of 32 bytes.
inline constexpr std::size_t kHkdfSha256MaxOutput = 255 * 32;
// OpenSSL 3.0 keeps HKDF's info in a fixed 1024-byte buffer; longer info is refused.
inline constexpr std::size_t kHkdfMaxInfo = 1024;

// out_len bytes of HKDF-SHA256(ikm, salt, info). An empty salt means the RFC's default (32
// zero bytes). Errors: Errc::kInvalidArgument if out_len is 0 or above kHkdfSha256MaxOutput,
// or info is longer than kHkdfMaxInfo; Errc::kInternal if OpenSSL fails.
Result<SecretBytes> hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::size_t out_len);

}  // namespace bw::crypto
