// Signing keys at rest (signing_keys.hpp).
#include "api/signing_keys.hpp"

#include <algorithm>

#include "bw/crypto/ed25519.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"

namespace bw::auth::api {
namespace {

constexpr std::string_view kPurposePrefix = "jwt-signing-key:";

authcore::SealContext context_for(const std::string& purpose) { return {"", "", purpose}; }

std::string new_kid() { return "k" + crypto::hex_encode(crypto::random(8)); }

Result<jwt::SigningKey> open_key(const authcore::KeyRing& ring, const store::SigningKey& row) {
  const std::string purpose = std::string(kPurposePrefix) + row.kid;
  auto seed = authcore::open_secret(ring, context_for(purpose), to_string(row.sealed_private_key));
  if (!seed) return Error{seed.error().code, "signing key " + row.kid + " does not open under the KEK: " + seed.error().message};
  auto key = jwt::SigningKey::from_seed(row.kid, seed->view());
  if (!key) return key.error();
  if (!std::equal(key->public_key().begin(), key->public_key().end(), row.public_key.begin(), row.public_key.end())) {
    return Error{1, "signing key " + row.kid + ": stored public key does not match its private key"};
  }
  return key;
}

}  // namespace

Result<store::SigningKey> seal_signing_key(const authcore::KeyRing& ring, const std::string& kid, ByteView seed,
                                           store::TimeMs now) {
  auto pub = crypto::ed25519_public_from_seed(seed);
  if (!pub) return pub.error();
  auto sealed = authcore::seal_secret(ring, context_for(std::string(kPurposePrefix) + kid), seed);
  if (!sealed) return sealed.error();
  store::SigningKey row;
  row.kid = kid;
  row.sealed_private_key = to_bytes(*sealed);
  row.public_key.assign(pub->begin(), pub->end());
  row.state = store::KeyState::kCurrent;
  row.created_at = now;
  return row;
}

Result<jwt::KeySet> load_or_create_key_set(store::Store& store, const authcore::KeyRing& ring, store::TimeMs now) {
  auto rows = store.active_signing_keys();
  if (!rows) return rows.error();
  if (rows->empty()) {
    auto pair = crypto::ed25519_generate();
    if (!pair) return pair.error();
    auto row = seal_signing_key(ring, new_kid(), pair->seed.view(), now);
    if (!row) return row.error();
    if (auto st = store.rotate_signing_key(*row); !st) return st.error();
    rows = store.active_signing_keys();
    if (!rows) return rows.error();
  }
  jwt::KeySet keys;
  // Oldest first, so the current key (rows->front()) is rotated in last and signs.
  for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
    if (it->state == store::KeyState::kCurrent) {
      auto key = open_key(ring, *it);
      if (!key) return key.error();
      if (auto st = keys.rotate_to(std::move(key.value())); !st) return st.error();
    } else {
      crypto::Ed25519PublicKey pub{};
      if (it->public_key.size() != pub.size()) return Error{1, "signing key " + it->kid + ": bad public key size"};
      std::copy(it->public_key.begin(), it->public_key.end(), pub.begin());
      if (auto st = keys.add_verification_key(it->kid, pub); !st) return st.error();
    }
  }
  if (!keys.signing_key()) return Error{1, "no current signing key in the store"};
  return keys;
}

}  // namespace bw::auth::api
