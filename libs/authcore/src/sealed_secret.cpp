// Sealed secrets: see sealed_secret.hpp.
#include "bw/authcore/sealed_secret.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <cstdint>

#include "bw/authcore/errors.hpp"
#include "bw/crypto/aes_gcm.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/errors.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"

namespace bw::authcore {
namespace {

constexpr std::string_view kVersion = "v1";
constexpr std::string_view kDomain = "bw-sealed-v1";
constexpr std::size_t kMaxKidLength = 32;

bool valid_kid(std::string_view id) {
  if (id.empty() || id.size() > kMaxKidLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
  });
}

void append_field(Bytes& out, std::string_view field) {
  const auto n = static_cast<std::uint32_t>(field.size());
  const std::array<std::uint8_t, 4> len = {static_cast<std::uint8_t>(n >> 24),
                                           static_cast<std::uint8_t>(n >> 16),
                                           static_cast<std::uint8_t>(n >> 8),
                                           static_cast<std::uint8_t>(n)};
  append(out, len);
  append(out, as_bytes(field));
}

Bytes associated_data(std::string_view kid, const SealContext& c) {
  Bytes aad(kDomain.begin(), kDomain.end());
  append_field(aad, kid);
  append_field(aad, c.tenant);
  append_field(aad, c.user);
  append_field(aad, c.purpose);
  return aad;
}

struct Parsed {
  std::string_view kid;
  std::string_view nonce;
  std::string_view body;
};

// Splits "v1.<kid>.<nonce>.<body>"; nullopt-like empty kid on malformed input.
bool parse(std::string_view sealed, Parsed& out) {
  std::array<std::string_view, 4> parts;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto dot = sealed.find('.');
    if ((dot == std::string_view::npos) != (i == parts.size() - 1)) return false;
    parts[i] = sealed.substr(0, dot);
    sealed.remove_prefix(dot == std::string_view::npos ? sealed.size() : dot + 1);
  }
  if (parts[0] != kVersion || !valid_kid(parts[1])) return false;
  out = {parts[1], parts[2], parts[3]};
  return true;
}

}  // namespace

Result<KeyRing> KeyRing::create(Kek current, std::vector<Kek> old) {
  std::vector<Kek> keys;
  keys.reserve(old.size() + 1);
  keys.push_back(std::move(current));
  for (auto& k : old) keys.push_back(std::move(k));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!valid_kid(keys[i].id) || keys[i].key.size() != crypto::kAes256KeySize) {
      return make_error(Errc::kInvalidArgument, "KEK needs a 32-byte key and a short [A-Za-z0-9_-] id");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (keys[j].id == keys[i].id) return make_error(Errc::kInvalidArgument, "KEK id used twice");
    }
  }
  return KeyRing(std::move(keys));
}

const Kek* KeyRing::find(std::string_view id) const {
  for (const auto& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

Result<std::string> seal_secret(const KeyRing& ring, const SealContext& context,
                                ByteView plaintext) {
  const Kek& kek = ring.current();
  const Bytes nonce = crypto::random(crypto::kGcmProtocolIvSize);
  auto sealed = crypto::aes256_gcm_seal(kek.key.view(), nonce, associated_data(kek.id, context),
                                        plaintext);
  if (!sealed) return make_error(Errc::kInternal, "sealing failed: " + sealed.error().message);
  return std::string(kVersion) + "." + kek.id + "." + crypto::base64url_encode(nonce) + "." +
         crypto::base64url_encode(*sealed);
}

Result<crypto::SecretBytes> open_secret(const KeyRing& ring, const SealContext& context,
                                        std::string_view sealed) {
  Parsed p;
  if (!parse(sealed, p)) return make_error(Errc::kInvalidEncoding, "not a v1 sealed secret");
  auto nonce = crypto::base64url_decode(p.nonce);
  auto body = crypto::base64url_decode(p.body);
  if (!nonce || !body || nonce->size() != crypto::kGcmProtocolIvSize ||
      body->size() < crypto::kGcmTagSize) {
    return make_error(Errc::kInvalidEncoding, "not a v1 sealed secret");
  }
  const Kek* kek = ring.find(p.kid);
  if (kek == nullptr) return make_error(Errc::kUnknownKey, "sealed secret names an unknown KEK");
  auto plain = crypto::aes256_gcm_open(kek->key.view(), *nonce, associated_data(p.kid, context),
                                       *body);
  if (!plain) {
    if (crypto::has_code(plain.error(), crypto::Errc::kAuthenticationFailed)) {
      return make_error(Errc::kAuthenticationFailed, "sealed secret does not authenticate");
    }
    return make_error(Errc::kInternal, "opening failed: " + plain.error().message);
  }
  crypto::SecretBytes out{ByteView(*plain)};
  OPENSSL_cleanse(plain->data(), plain->size());
  return out;
}

bool needs_reseal(const KeyRing& ring, std::string_view sealed) {
  Parsed p;
  return !parse(sealed, p) || p.kid != ring.current().id;
}

Result<KeyRing> kek_from_file_text(std::string_view kek_id, std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  auto bytes = crypto::hex_decode(text);
  if (!bytes || bytes->size() != 32) {
    if (bytes) std::fill(bytes->begin(), bytes->end(), 0);
    return make_error(Errc::kInvalidArgument,
                      "the KEK file must hold 64 hexadecimal characters (32 bytes; openssl rand -hex 32)");
  }
  crypto::SecretBytes key{ByteView(*bytes)};
  std::fill(bytes->begin(), bytes->end(), 0);
  return KeyRing::create(Kek{std::string(kek_id), std::move(key)});
}

}  // namespace bw::authcore
