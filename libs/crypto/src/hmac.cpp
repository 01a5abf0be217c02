// HMAC-SHA256: see hmac.hpp. EVP_Q_mac is OpenSSL 3's one-shot EVP_MAC call.
#include "bw/crypto/hmac.hpp"

#include <openssl/evp.h>

#include "bw/crypto/constant_time.hpp"
#include "openssl_util.hpp"

namespace bw::crypto {

HmacSha256Tag hmac_sha256(ByteView key, ByteView data) {
  HmacSha256Tag out{};
  std::size_t len = 0;
  // nonnull(): a null key pointer would mean "reuse the previous key" to HMAC, not "empty key".
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, detail::nonnull(key), key.size(),
                detail::nonnull(data), data.size(), out.data(), out.size(), &len) == nullptr ||
      len != out.size()) {
    detail::fatal("EVP_Q_mac(HMAC-SHA256) failed");
  }
  return out;
}

bool hmac_sha256_verify(ByteView key, ByteView data, ByteView expected_tag) {
  if (expected_tag.size() != kHmacSha256Size) return false;
  return constant_time_equal(hmac_sha256(key, data), expected_tag);
}

}  // namespace bw::crypto
