#include "bw/jwt/key_set.hpp"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "bw/crypto/base64url.hpp"
#include "bw/jwt/errors.hpp"
#include "strict_json.hpp"

namespace bw::jwt {
namespace {

using nlohmann::json;

bool kid_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

// One JWKS entry: exactly the members kty, crv, x, kid and optionally alg and use.
Result<VerificationKey> key_from_jwk(const json& jwk) {
  const Error bad = make_error(Errc::kBadKeySet);
  if (!jwk.is_object()) return bad;
  for (const auto& item : jwk.items()) {
    const std::string& name = item.key();
    if (name != "kty" && name != "crv" && name != "x" && name != "kid" && name != "alg" &&
        name != "use") {
      return bad;  // d (a private key), key_ops, x5c, ... are all refused
    }
    if (!item.value().is_string()) return bad;
  }
  auto member = [&](const char* name) -> std::string {
    const auto it = jwk.find(name);
    return it == jwk.end() ? std::string() : it->get<std::string>();
  };
  if (member("kty") != "OKP" || member("crv") != "Ed25519") return bad;
  if (jwk.contains("alg") && member("alg") != "EdDSA") return bad;
  if (jwk.contains("use") && member("use") != "sig") return bad;
  VerificationKey key;
  key.kid = member("kid");
  if (!valid_kid(key.kid)) return bad;
  auto x = crypto::base64url_decode(member("x"));
  if (!x || x->size() != crypto::kEd25519PublicKeySize) return bad;
  std::copy(x->begin(), x->end(), key.public_key.begin());
  return key;
}

}  // namespace

bool valid_kid(std::string_view kid) {
  return !kid.empty() && kid.size() <= kMaxKidLength && std::all_of(kid.begin(), kid.end(), kid_char);
}

SigningKey::SigningKey(std::string kid, crypto::SecretBytes seed,
                       const crypto::Ed25519PublicKey& pub)
    : kid_(std::move(kid)), seed_(std::move(seed)), public_key_(pub) {}

Result<SigningKey> SigningKey::generate(std::string kid) {
  if (!valid_kid(kid)) return make_error(Errc::kInvalidArgument);
  auto pair = crypto::ed25519_generate();
  if (!pair) return make_error(Errc::kInternal);
  return SigningKey(std::move(kid), std::move(pair->seed), pair->public_key);
}

Result<SigningKey> SigningKey::from_seed(std::string kid, ByteView seed) {
  if (!valid_kid(kid) || seed.size() != crypto::kEd25519SeedSize) {
    return make_error(Errc::kInvalidArgument);
  }
  auto pub = crypto::ed25519_public_from_seed(seed);
  if (!pub) return make_error(Errc::kInternal);
  return SigningKey(std::move(kid), crypto::SecretBytes(seed), pub.value());
}

Result<crypto::Ed25519Signature> SigningKey::sign(ByteView message) const {
  auto signature = crypto::ed25519_sign(seed_.view(), message);
  if (!signature) return make_error(Errc::kInternal);
  return signature.value();
}

Status KeySet::rotate_to(SigningKey key) {
  if (find(key.kid()) != nullptr || keys_.size() >= kMaxKeys) return make_error(Errc::kBadKeySet);
  keys_.insert(keys_.begin(), VerificationKey{key.kid(), key.public_key()});
  current_.emplace(std::move(key));
  return {};
}

Status KeySet::add_verification_key(std::string kid, const crypto::Ed25519PublicKey& public_key) {
  if (!valid_kid(kid)) return make_error(Errc::kInvalidArgument);
  if (find(kid) != nullptr || keys_.size() >= kMaxKeys) return make_error(Errc::kBadKeySet);
  keys_.push_back(VerificationKey{std::move(kid), public_key});
  return {};
}

bool KeySet::remove(std::string_view kid) {
  if (current_ && current_->kid() == kid) current_.reset();
  const auto it = std::find_if(keys_.begin(), keys_.end(),
                               [&](const VerificationKey& k) { return k.kid == kid; });
  if (it == keys_.end()) return false;
  keys_.erase(it);
  return true;
}

const crypto::Ed25519PublicKey* KeySet::find(std::string_view kid) const {
  for (const auto& key : keys_) {
    if (key.kid == kid) return &key.public_key;
  }
  return nullptr;
}

std::string KeySet::to_jwks() const {
  json list = json::array();
  for (const auto& key : keys_) {
    list.push_back({{"kty", "OKP"},
                    {"crv", "Ed25519"},
                    {"x", crypto::base64url_encode(key.public_key)},
                    {"kid", key.kid},
                    {"alg", "EdDSA"},
                    {"use", "sig"}});
  }
  return json{{"keys", list}}.dump();
}

Result<KeySet> KeySet::from_jwks(std::string_view text) {
  if (text.size() > kMaxJwksSize) return make_error(Errc::kTooLarge);
  auto parsed = detail::parse_strict_object(text);
  if (!parsed) {
    return has_code(parsed.error(), Errc::kDuplicateKey) ? parsed.error()
                                                          : make_error(Errc::kBadKeySet);
  }
  const json& root = parsed.value();
  const auto keys = root.find("keys");
  if (root.size() != 1 || keys == root.end() || !keys->is_array() || keys->size() > kMaxKeys) {
    return make_error(Errc::kBadKeySet);
  }
  KeySet set;
  for (const auto& jwk : *keys) {
    auto key = key_from_jwk(jwk);
    if (!key) return key.error();
    if (!set.add_verification_key(std::move(key->kid), key->public_key)) {
      return make_error(Errc::kBadKeySet);  // duplicate kid
    }
  }
  return set;
}

}  // namespace bw::jwt
