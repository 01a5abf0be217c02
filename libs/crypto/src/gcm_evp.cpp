// AES-GCM through EVP_CIPHER: the engine for every IV OpenSSL's EVP accepts (1..128 bytes),
// which includes the protocol's 12-byte IVs. Tags are checked by EVP_DecryptFinal_ex, which
// compares in constant time. On failed authentication the decrypted bytes are wiped.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

#include "gcm_engines.hpp"
#include "openssl_util.hpp"

namespace bw::crypto::detail {
namespace {

const EVP_CIPHER* gcm_cipher(std::size_t key_len) {
  switch (key_len) {
    case 16: return EVP_aes_128_gcm();
    case 24: return EVP_aes_192_gcm();
    default: return EVP_aes_256_gcm();
  }
}

// Feeds in to the cipher in int-sized chunks; out == nullptr feeds associated data.
bool update_all(EVP_CIPHER_CTX* ctx, std::uint8_t* out, ByteView in) {
  constexpr std::size_t kChunk = std::size_t{1} << 30;
  while (!in.empty()) {
    const std::size_t n = std::min(in.size(), kChunk);
    int written = 0;
    if (EVP_CipherUpdate(ctx, out, &written, in.data(), static_cast<int>(n)) != 1 ||
        static_cast<std::size_t>(written) != n) {
      return false;
    }
    if (out != nullptr) out += n;
    in = in.subspan(n);
  }
  return true;
}

// A context keyed for one message, with the IV set and the AAD already absorbed.
CipherCtxPtr start(const GcmRequest& r, int encrypt) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx ||
      EVP_CipherInit_ex(ctx.get(), gcm_cipher(r.key.size()), nullptr, nullptr, nullptr,
                        encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(r.iv.size()),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, r.key.data(), r.iv.data(), encrypt) != 1 ||
      !update_all(ctx.get(), nullptr, r.aad)) {
    return nullptr;
  }
  return ctx;
}

}  // namespace

Result<Bytes> evp_gcm_seal(const GcmRequest& r) {
  CipherCtxPtr ctx = start(r, 1);
  if (!ctx) return openssl_failure("AES-GCM seal setup");
  Bytes out(r.input.size() + r.tag_len);
  std::uint8_t* tag = out.data() + r.input.size();
  std::uint8_t sink[16];  // GCM's final step writes no bytes
  int final_len = 0;
  if (!update_all(ctx.get(), out.data(), r.input) ||
      EVP_EncryptFinal_ex(ctx.get(), sink, &final_len) != 1 || final_len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(r.tag_len), tag) !=
          1) {
    return openssl_failure("AES-GCM seal");
  }
  return out;
}

Result<Bytes> evp_gcm_open(const GcmRequest& r) {
  const ByteView ciphertext = r.input.first(r.input.size() - r.tag_len);
  const ByteView tag = r.input.last(r.tag_len);
  CipherCtxPtr ctx = start(r, 0);
  if (!ctx) return openssl_failure("AES-GCM open setup");
  Bytes out(ciphertext.size());
  if (!update_all(ctx.get(), out.data(), ciphertext) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(r.tag_len),
                          const_cast<std::uint8_t*>(tag.data())) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return openssl_failure("AES-GCM open");
  }
  std::uint8_t sink[16];  // GCM's final step writes no bytes; it checks the tag
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), sink, &final_len) != 1 || final_len != 0) {
    OPENSSL_cleanse(out.data(), out.size());
    return rejected(Errc::kAuthenticationFailed, "aes_gcm_open: authentication failed");
  }
  return out;
}

}  // namespace bw::crypto::detail
