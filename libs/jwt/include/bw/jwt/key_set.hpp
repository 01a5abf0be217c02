// Ed25519 keys for JWTs, with rotation and JWKS (RFC 7517 + RFC 8037 OKP) import/export.
// Guarantees:
//  - a SigningKey keeps its seed in a SecretBytes; nothing in this library copies the seed
//    out, prints it or exports it (to_jwks writes public "x" only, never "d");
//  - a kid is 1..64 characters of [A-Za-z0-9_-] (valid_kid), so it can never be a path, a URL
//    or carry control characters into logs; kids are unique within a KeySet;
//  - a KeySet holds at most one current signing key plus previous keys that still verify;
//    rotate_to() demotes the current key to verify-only, remove() ends verification at once;
//  - from_jwks() is strict: only {"keys":[...]} with kty "OKP", crv "Ed25519", a 32-byte x,
//    a valid kid, optional alg "EdDSA" and use "sig"; any other member (d included), duplicate
//    member names or duplicate kids refuse the whole set (Errc::kBadKeySet / kDuplicateKey).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bw/bytes.hpp"
#include "bw/crypto/ed25519.hpp"
#include "bw/crypto/secret_bytes.hpp"
#include "bw/result.hpp"

namespace bw::jwt {

inline constexpr std::size_t kMaxKidLength = 64;
inline constexpr std::size_t kMaxKeys = 16;
inline constexpr std::size_t kMaxJwksSize = 64 * 1024;

// True if kid is 1..64 characters, each of A-Z a-z 0-9 '-' '_'.
bool valid_kid(std::string_view kid);

// A private Ed25519 key with its kid. Move-only; the seed is wiped when it is destroyed.
class SigningKey {
 public:
  // A fresh key from the CSPRNG. Errors: kInvalidArgument for a bad kid; kInternal.
  static Result<SigningKey> generate(std::string kid);
  // The key of a 32-byte seed. Errors: kInvalidArgument for a bad kid or seed size; kInternal.
  static Result<SigningKey> from_seed(std::string kid, ByteView seed);

  const std::string& kid() const { return kid_; }
  const crypto::Ed25519PublicKey& public_key() const { return public_key_; }
  // The Ed25519 signature of message. Errors: kInternal if the crypto layer fails.
  Result<crypto::Ed25519Signature> sign(ByteView message) const;

 private:
  SigningKey(std::string kid, crypto::SecretBytes seed, const crypto::Ed25519PublicKey& pub);
  std::string kid_;
  crypto::SecretBytes seed_;
  crypto::Ed25519PublicKey public_key_{};
};

struct VerificationKey {
  std::string kid;
  crypto::Ed25519PublicKey public_key{};
};

class KeySet {
 public:
  // Makes key the current signing key; the previous current key stays as a verification
  // key. Errors: kBadKeySet if key's kid is already in the set or the set is full.
  Status rotate_to(SigningKey key);
  // Adds a verify-only key. Errors: kInvalidArgument for a bad kid; kBadKeySet for a kid
  // already present or a full set.
  Status add_verification_key(std::string kid, const crypto::Ed25519PublicKey& public_key);
  // Removes kid (verify-only or current); true if it was present. Tokens under it stop
  // verifying at once; removing the current key leaves the set without a signing key.
  bool remove(std::string_view kid);

  // The current signing key, or nullptr.
  const SigningKey* signing_key() const { return current_ ? &*current_ : nullptr; }
  // The public key for kid (current or previous), or nullptr.
  const crypto::Ed25519PublicKey* find(std::string_view kid) const;
  // Every key that verifies, the current one first.
  const std::vector<VerificationKey>& keys() const { return keys_; }

  // {"keys":[{"kty":"OKP","crv":"Ed25519","x":...,"kid":...,"alg":"EdDSA","use":"sig"},...]}
  std::string to_jwks() const;
  // A verify-only KeySet from JWKS text (see the guarantees above). Errors: kTooLarge above
  // kMaxJwksSize; kDuplicateKey; kBadKeySet for anything else refused.
  static Result<KeySet> from_jwks(std::string_view text);

 private:
  std::optional<SigningKey> current_;
  std::vector<VerificationKey> keys_;  // current first; kids unique; at most kMaxKeys
};

}  // namespace bw::jwt
