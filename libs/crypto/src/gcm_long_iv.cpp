// AES-GCM through OpenSSL's GCM128 mode routines (<openssl/modes.h>), for IVs longer than
// EVP's 128-byte limit. SP 800-38D allows IVs up to 2^64 - 1 bits; GCM128 hashes any length
// into the initial counter block as the standard says. The block cipher is AES-ECB through
// EVP, one block per call: slow, but no hand-written AES or GHASH. The tag check is
// CRYPTO_gcm128_finish, a constant-time comparison; on failure the output is wiped.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/modes.h>

#include <cstring>

#include "gcm_engines.hpp"
#include "openssl_util.hpp"

namespace bw::crypto::detail {
namespace {

using Gcm128Ptr = std::unique_ptr<GCM128_CONTEXT, OpensslDeleter<&CRYPTO_gcm128_release>>;

const EVP_CIPHER* ecb_cipher(std::size_t key_len) {
  switch (key_len) {
    case 16: return EVP_aes_128_ecb();
    case 24: return EVP_aes_192_ecb();
    default: return EVP_aes_256_ecb();
  }
}

// block128_f over an AES-ECB EVP context. GCM128 may pass the same buffer as in and out.
void aes_block(const unsigned char in[16], unsigned char out[16], const void* key) {
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(const_cast<void*>(key));
  unsigned char block[16];
  std::memcpy(block, in, sizeof block);
  int len = 0;
  if (EVP_EncryptUpdate(ctx, out, &len, block, sizeof block) != 1 || len != sizeof block) {
    fatal("AES-ECB block encryption failed inside GCM128");
  }
}

struct Gcm128 {
  CipherCtxPtr ecb;
  Gcm128Ptr gcm;
};

// Keyed AES-ECB, a GCM128 context over it with the IV set and the AAD absorbed; or empty.
Gcm128 start(const GcmRequest& r) {
  Gcm128 s;
  s.ecb.reset(EVP_CIPHER_CTX_new());
  if (!s.ecb ||
      EVP_EncryptInit_ex(s.ecb.get(), ecb_cipher(r.key.size()), nullptr, r.key.data(), nullptr) !=
          1 ||
      EVP_CIPHER_CTX_set_padding(s.ecb.get(), 0) != 1) {
    return {};
  }
  s.gcm.reset(CRYPTO_gcm128_new(s.ecb.get(), aes_block));
  if (!s.gcm) return {};
  CRYPTO_gcm128_setiv(s.gcm.get(), r.iv.data(), r.iv.size());
  if (!r.aad.empty() && CRYPTO_gcm128_aad(s.gcm.get(), r.aad.data(), r.aad.size()) != 0) return {};
  return s;
}

}  // namespace

Result<Bytes> gcm128_seal(const GcmRequest& r) {
  Gcm128 s = start(r);
  if (!s.gcm) return openssl_failure("AES-GCM (long IV) seal setup");
  Bytes out(r.input.size() + r.tag_len);
  if (!r.input.empty() &&
      CRYPTO_gcm128_encrypt(s.gcm.get(), r.input.data(), out.data(), r.input.size()) != 0) {
    return openssl_failure("AES-GCM (long IV) seal");
  }
  CRYPTO_gcm128_tag(s.gcm.get(), out.data() + r.input.size(), r.tag_len);
  return out;
}

Result<Bytes> gcm128_open(const GcmRequest& r) {
  const ByteView ciphertext = r.input.first(r.input.size() - r.tag_len);
  const ByteView tag = r.input.last(r.tag_len);
  Gcm128 s = start(r);
  if (!s.gcm) return openssl_failure("AES-GCM (long IV) open setup");
  Bytes out(ciphertext.size());
  if (!ciphertext.empty() &&
      CRYPTO_gcm128_decrypt(s.gcm.get(), ciphertext.data(), out.data(), ciphertext.size()) != 0) {
    OPENSSL_cleanse(out.data(), out.size());
    return openssl_failure("AES-GCM (long IV) open");
  }
  if (CRYPTO_gcm128_finish(s.gcm.get(), tag.data(), tag.size()) != 0) {
    OPENSSL_cleanse(out.data(), out.size());
    return rejected(Errc::kAuthenticationFailed, "aes_gcm_open: authentication failed");
  }
  return out;
}

}  // namespace bw::crypto::detail
