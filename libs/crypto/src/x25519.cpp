// X25519: see x25519.hpp.
// OpenSSL's own derive already refuses an all-zero result (it raises
// PROV_R_FAILED_DURING_DERIVATION for exactly that case); we recognise that reason to report
// Errc::kZeroSharedSecret, and check the output ourselves too so the guarantee does not
// depend on the OpenSSL version.
#include "bw/crypto/x25519.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/proverr.h>

#include <utility>

#include "bw/crypto/constant_time.hpp"
#include "bw/crypto/random.hpp"
#include "openssl_util.hpp"

namespace bw::crypto {
namespace {

bool openssl_reports_zero_secret() {
  const unsigned long code = ERR_peek_last_error();
  return ERR_GET_LIB(code) == ERR_LIB_PROV &&
         ERR_GET_REASON(code) == PROV_R_FAILED_DURING_DERIVATION;
}

Result<SecretBytes> derive(EVP_PKEY* own, EVP_PKEY* peer) {
  detail::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1) {
    return detail::openssl_failure("X25519 derive setup");
  }
  SecretBytes shared(kX25519KeySize);
  std::size_t len = shared.size();
  if (EVP_PKEY_derive(ctx.get(), shared.data(), &len) != 1) {
    if (openssl_reports_zero_secret()) {
      return detail::rejected(Errc::kZeroSharedSecret,
                              "x25519: all-zero shared secret (low-order public key)");
    }
    return detail::openssl_failure("EVP_PKEY_derive(X25519)");
  }
  if (len != kX25519KeySize) return detail::openssl_failure("EVP_PKEY_derive(X25519) length");
  const std::array<std::uint8_t, kX25519KeySize> zero{};
  if (constant_time_equal(shared.view(), zero)) {
    return detail::rejected(Errc::kZeroSharedSecret,
                            "x25519: all-zero shared secret (low-order public key)");
  }
  return shared;
}

}  // namespace

Result<X25519KeyPair> x25519_generate() {
  SecretBytes private_key = random_secret(kX25519KeySize);
  auto public_key = x25519_public_from_private(private_key.view());
  if (!public_key) return public_key.error();
  return X25519KeyPair{std::move(private_key), *public_key};
}

Result<X25519PublicKey> x25519_public_from_private(ByteView private_key) {
  if (private_key.size() != kX25519KeySize) {
    return detail::rejected(Errc::kInvalidArgument, "x25519: private key must be 32 bytes");
  }
  detail::PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(),
                                                   private_key.size()));
  if (!key) return detail::openssl_failure("EVP_PKEY_new_raw_private_key(X25519)");
  X25519PublicKey out{};
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), out.data(), &len) != 1 || len != out.size()) {
    return detail::openssl_failure("EVP_PKEY_get_raw_public_key(X25519)");
  }
  return out;
}

Result<SecretBytes> x25519(ByteView private_key, ByteView peer_public) {
  if (private_key.size() != kX25519KeySize || peer_public.size() != kX25519KeySize) {
    return detail::rejected(Errc::kInvalidArgument, "x25519: keys must be 32 bytes");
  }
  detail::PkeyPtr own(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(),
                                                   private_key.size()));
  if (!own) return detail::openssl_failure("EVP_PKEY_new_raw_private_key(X25519)");
  detail::PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(),
                                                   peer_public.size()));
  if (!peer) return detail::openssl_failure("EVP_PKEY_new_raw_public_key(X25519)");
  return derive(own.get(), peer.get());
}

}  // namespace bw::crypto
