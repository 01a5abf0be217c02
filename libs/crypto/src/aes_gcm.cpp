// AES-GCM public API: see aes_gcm.hpp. This file owns every argument check and picks the
// engine by IV length; the engines (gcm_engines.hpp) assume validated requests.
#include "bw/crypto/aes_gcm.hpp"

#include "bw/crypto/errors.hpp"
#include "gcm_engines.hpp"
#include "openssl_util.hpp"

namespace bw::crypto {
namespace {

Status check_shape(ByteView key, ByteView iv, std::size_t tag_len) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    return detail::rejected(Errc::kInvalidArgument, "aes_gcm: key must be 16, 24 or 32 bytes");
  }
  if (iv.empty()) return detail::rejected(Errc::kInvalidArgument, "aes_gcm: IV must not be empty");
  if (tag_len < kGcmMinTagSize || tag_len > kGcmTagSize) {
    return detail::rejected(Errc::kInvalidArgument, "aes_gcm: tag length must be 12..16 bytes");
  }
  return {};
}

Status check_protocol_shape(ByteView key, ByteView iv) {
  if (key.size() != kAes256KeySize || iv.size() != kGcmProtocolIvSize) {
    return detail::rejected(Errc::kInvalidArgument,
                            "aes256_gcm: key must be 32 bytes and IV 12 bytes");
  }
  return {};
}

}  // namespace

Result<Bytes> aes_gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext,
                           std::size_t tag_len) {
  if (auto shape = check_shape(key, iv, tag_len); !shape) return shape.error();
  if (plaintext.size() > kGcmMaxPlaintext) {
    return detail::rejected(Errc::kInvalidArgument, "aes_gcm_seal: plaintext too long for GCM");
  }
  const detail::GcmRequest request{key, iv, aad, plaintext, tag_len};
  return iv.size() <= detail::kEvpMaxGcmIv ? detail::evp_gcm_seal(request)
                                           : detail::gcm128_seal(request);
}

Result<Bytes> aes_gcm_open(ByteView key, ByteView iv, ByteView aad, ByteView ciphertext_with_tag,
                           std::size_t tag_len) {
  if (auto shape = check_shape(key, iv, tag_len); !shape) return shape.error();
  if (ciphertext_with_tag.size() < tag_len ||
      ciphertext_with_tag.size() - tag_len > kGcmMaxPlaintext) {
    return detail::rejected(Errc::kAuthenticationFailed,
                            "aes_gcm_open: authentication failed (impossible length)");
  }
  const detail::GcmRequest request{key, iv, aad, ciphertext_with_tag, tag_len};
  return iv.size() <= detail::kEvpMaxGcmIv ? detail::evp_gcm_open(request)
                                           : detail::gcm128_open(request);
}

Result<Bytes> aes256_gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  if (auto shape = check_protocol_shape(key, iv); !shape) return shape.error();
  return aes_gcm_seal(key, iv, aad, plaintext, kGcmTagSize);
}

Result<Bytes> aes256_gcm_open(ByteView key, ByteView iv, ByteView aad,
                              ByteView ciphertext_with_tag) {
  if (auto shape = check_protocol_shape(key, iv); !shape) return shape.error();
  return aes_gcm_open(key, iv, aad, ciphertext_with_tag, kGcmTagSize);
}

}  // namespace bw::crypto
