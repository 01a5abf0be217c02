// Internal: the two AES-GCM engines behind aes_gcm.hpp. aes_gcm.cpp validates every request
// before it reaches them (key 16/24/32 bytes, IV non-empty, tag 12..16 bytes, lengths within
// SP 800-38D, open input at least one tag long), so the engines only report OpenSSL failures
// (Errc::kInternal) and failed authentication (Errc::kAuthenticationFailed).
#pragma once

#include <cstddef>

#include "bw/bytes.hpp"
#include "bw/result.hpp"

namespace bw::crypto::detail {

// OpenSSL 3.0's EVP GCM refuses IVs longer than this (GCM_IV_MAX_SIZE).
inline constexpr std::size_t kEvpMaxGcmIv = 128;

struct GcmRequest {
  ByteView key;
  ByteView iv;
  ByteView aad;
  ByteView input;  // plaintext to seal, or ciphertext || tag to open
  std::size_t tag_len;
};

// EVP_CIPHER engine (AES-NI/CLMUL where available). Requires iv.size() <= kEvpMaxGcmIv.
Result<Bytes> evp_gcm_seal(const GcmRequest& request);
Result<Bytes> evp_gcm_open(const GcmRequest& request);

// OpenSSL's GCM128 mode routines over an AES-ECB block function: any IV length, slower.
Result<Bytes> gcm128_seal(const GcmRequest& request);
Result<Bytes> gcm128_open(const GcmRequest& request);

}  // namespace bw::crypto::detail
