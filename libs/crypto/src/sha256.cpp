// SHA-256: see sha256.hpp. OpenSSL failures here mean a broken library or no memory; there is
// no correct digest to return, so they abort.
#include "bw/crypto/sha256.hpp"

#include <openssl/evp.h>

#include <utility>

#include "openssl_util.hpp"

namespace bw::crypto {

Sha256Digest sha256(ByteView data) {
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(detail::nonnull(data), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    detail::fatal("EVP_Digest(SHA-256) failed");
  }
  return out;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    detail::fatal("SHA-256 context initialisation failed");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

Sha256::Sha256(Sha256&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}

Sha256& Sha256::operator=(Sha256&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

Sha256& Sha256::update(ByteView data) {
  if (ctx_ == nullptr) detail::fatal("Sha256 used after being moved from");
  if (!data.empty() && EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) {
    detail::fatal("EVP_DigestUpdate(SHA-256) failed");
  }
  return *this;
}

Sha256Digest Sha256::finish() {
  if (ctx_ == nullptr) detail::fatal("Sha256 used after being moved from");
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != out.size() ||
      EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    detail::fatal("EVP_DigestFinal_ex(SHA-256) failed");
  }
  return out;
}

}  // namespace bw::crypto
