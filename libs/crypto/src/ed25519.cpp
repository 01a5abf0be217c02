// Ed25519: see ed25519.hpp. Lengths are checked here; OpenSSL's verifier (3.0+) rejects
// S >= L and undecodable points, which the Wycheproof tests confirm for the linked version.
#include "bw/crypto/ed25519.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <utility>

#include "bw/crypto/random.hpp"
#include "openssl_util.hpp"

namespace bw::crypto {
namespace {

Result<detail::PkeyPtr> load_seed(ByteView seed) {
  if (seed.size() != kEd25519SeedSize) {
    return detail::rejected(Errc::kInvalidArgument, "ed25519: seed must be 32 bytes");
  }
  detail::PkeyPtr key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!key) return detail::openssl_failure("EVP_PKEY_new_raw_private_key(Ed25519)");
  return key;
}

}  // namespace

Result<Ed25519KeyPair> ed25519_generate() {
  SecretBytes seed = random_secret(kEd25519SeedSize);
  auto public_key = ed25519_public_from_seed(seed.view());
  if (!public_key) return public_key.error();
  return Ed25519KeyPair{std::move(seed), *public_key};
}

Result<Ed25519PublicKey> ed25519_public_from_seed(ByteView seed) {
  auto key = load_seed(seed);
  if (!key) return key.error();
  Ed25519PublicKey out{};
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key->get(), out.data(), &len) != 1 || len != out.size()) {
    return detail::openssl_failure("EVP_PKEY_get_raw_public_key(Ed25519)");
  }
  return out;
}

Result<Ed25519Signature> ed25519_sign(ByteView seed, ByteView message) {
  auto key = load_seed(seed);
  if (!key) return key.error();
  detail::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key->get(),
                                    nullptr) != 1) {
    return detail::openssl_failure("EVP_DigestSignInit_ex(Ed25519)");
  }
  Ed25519Signature sig{};
  std::size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, detail::nonnull(message), message.size()) != 1 ||
      len != sig.size()) {
    return detail::openssl_failure("EVP_DigestSign(Ed25519)");
  }
  return sig;
}

bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize) {
    return false;
  }
  detail::PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(),
                                                  public_key.size()));
  detail::MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok = key && ctx &&
                  EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr,
                                          key.get(), nullptr) == 1 &&
                  EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                                   detail::nonnull(message), message.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace bw::crypto
