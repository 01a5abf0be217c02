// HKDF-SHA256: see hkdf.hpp. The limits are checked here, before OpenSSL, so callers get
// Errc::kInvalidArgument for a bad request rather than an opaque provider error.
#include "bw/crypto/hkdf.hpp"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "openssl_util.hpp"

namespace bw::crypto {
namespace {

OSSL_PARAM octets(const char* name, ByteView value) {
  // OSSL_PARAM wants a non-const pointer; HKDF only reads these buffers.
  return OSSL_PARAM_construct_octet_string(
      name, const_cast<unsigned char*>(detail::nonnull(value)), value.size());
}

}  // namespace

Result<SecretBytes> hkdf_sha256(ByteView ikm, ByteView salt, ByteView info, std::size_t out_len) {
  if (out_len == 0 || out_len > kHkdfSha256MaxOutput) {
    return detail::rejected(Errc::kInvalidArgument, "hkdf_sha256: output length must be 1..8160");
  }
  if (info.size() > kHkdfMaxInfo) {
    return detail::rejected(Errc::kInvalidArgument, "hkdf_sha256: info longer than 1024 bytes");
  }
  detail::KdfPtr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return detail::openssl_failure("EVP_KDF_fetch(HKDF)");
  detail::KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return detail::openssl_failure("EVP_KDF_CTX_new(HKDF)");

  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  OSSL_PARAM* p = params;
  *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  *p++ = octets(OSSL_KDF_PARAM_KEY, ikm);
  if (!salt.empty()) *p++ = octets(OSSL_KDF_PARAM_SALT, salt);
  if (!info.empty()) *p++ = octets(OSSL_KDF_PARAM_INFO, info);
  *p = OSSL_PARAM_construct_end();

  SecretBytes out(out_len);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return detail::openssl_failure("EVP_KDF_derive(HKDF-SHA256)");
  }
  return out;
}

}  // namespace bw::crypto
