// AES-GCM (NIST SP 800-38D) over OpenSSL EVP.
// Guarantees: open() returns plaintext only after the tag verified (OpenSSL compares tags in
// constant time); on failure no plaintext is returned and the partial output is wiped. An
// empty IV is refused (it is no nonce at all). Sealing never chooses the IV: the caller must
// never reuse an IV under the same key.
// The generic API takes 16/24/32-byte keys, IVs of any length >= 1 byte and tags of 12..16
// bytes (shorter tags are refused: their forgery bound is too weak for our use). IVs longer
// than OpenSSL 3.0's EVP limit (128 bytes) go through OpenSSL's own GCM128 routines; the
// protocol never uses them. The protocol itself uses aes256_gcm_seal/open only.
#pragma once

#include <cstddef>

#include "bw/bytes.hpp"
#include "bw/result.hpp"

namespace bw::crypto {

inline constexpr std::size_t kGcmTagSize = 16;
inline constexpr std::size_t kGcmMinTagSize = 12;
inline constexpr std::size_t kAes256KeySize = 32;
inline constexpr std::size_t kGcmProtocolIvSize = 12;
// SP 800-38D's bound on one message: 2^39 - 256 bits.
inline constexpr std::size_t kGcmMaxPlaintext = (std::size_t{1} << 36) - 32;

// ciphertext || tag (tag_len bytes) of plaintext under key and iv, authenticating aad too.
// Errors: Errc::kInvalidArgument for a key not 16/24/32 bytes, an empty IV, tag_len outside
// 12..16, or plaintext longer than kGcmMaxPlaintext; Errc::kInternal if OpenSSL fails.
Result<Bytes> aes_gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext,
                           std::size_t tag_len = kGcmTagSize);

// The plaintext of ciphertext_with_tag (ciphertext || tag_len-byte tag) if it authenticates
// under key, iv and aad. Errors: Errc::kAuthenticationFailed if it does not (including input
// shorter than the tag); Errc::kInvalidArgument as for aes_gcm_seal; Errc::kInternal.
Result<Bytes> aes_gcm_open(ByteView key, ByteView iv, ByteView aad, ByteView ciphertext_with_tag,
                           std::size_t tag_len = kGcmTagSize);

// The protocol's shape: AES-256-GCM, 12-byte IV, 16-byte tag. Errors: Errc::kInvalidArgument
// unless key is 32 bytes and iv 12 bytes; otherwise as aes_gcm_seal.
Result<Bytes> aes256_gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext);

// Opens what aes256_gcm_seal made. Errors: as aes_gcm_open, plus the shape check above.
Result<Bytes> aes256_gcm_open(ByteView key, ByteView iv, ByteView aad,
                              ByteView ciphertext_with_tag);

}  // namespace bw::crypto
