// Secrets at rest (TOTP secrets) sealed with AES-256-GCM under a key-encryption key (KEK)
// from configuration.
//
// Text form, safe in any text column:  v1.<kid>.<nonce>.<ciphertext||tag>
//   kid    the KEK's id, 1..32 characters of [A-Za-z0-9_-] (so it never contains '.')
//   nonce  12 random bytes, base64url (unpadded)
//   rest   AES-256-GCM ciphertext with its 16-byte tag, base64url (unpadded)
// Associated data: "bw-sealed-v1" || kid || tenant || user || purpose, each field prefixed
// by its length (4 bytes, big-endian), so field boundaries cannot be shifted. A sealed value
// copied to another tenant's or user's row, or used for another purpose, does not open.
//
// Guarantees:
//  - every seal draws a fresh 96-bit random nonce; with at most 2^32 seals per KEK the
//    collision risk stays below NIST SP 800-38D's 2^-32 bound (rotate KEKs long before);
//  - open() returns plaintext only if the tag verifies for this kid, nonce and row; it
//    refuses an unknown kid (kUnknownKey), malformed text (kInvalidEncoding) and anything
//    that does not authenticate (kAuthenticationFailed), and never returns partial output;
//  - rotation: a KeyRing holds the current KEK (used for every new seal) and old KEKs (used
//    only to open). needs_reseal() tells the caller to re-seal a value under the current KEK.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bw/bytes.hpp"
#include "bw/crypto/secret_bytes.hpp"
#include "bw/result.hpp"

namespace bw::authcore {

struct Kek {
  std::string id;
  crypto::SecretBytes key;  // 32 bytes
};

class KeyRing {
 public:
  // A ring whose current KEK is current and which can still open values sealed under old.
  // Errors: Errc::kInvalidArgument for a key not 32 bytes, an id not 1..32 characters of
  // [A-Za-z0-9_-], or an id used twice.
  static Result<KeyRing> create(Kek current, std::vector<Kek> old = {});

  const Kek& current() const { return keys_.front(); }
  // The KEK with this id, or nullptr.
  const Kek* find(std::string_view id) const;

 private:
  explicit KeyRing(std::vector<Kek> keys) : keys_(std::move(keys)) {}
  std::vector<Kek> keys_;  // keys_[0] is current
};

// The row a sealed value belongs to; all three fields go into the associated data.
struct SealContext {
  std::string_view tenant;
  std::string_view user;
  std::string_view purpose;  // e.g. "totp"
};

// The KEK ring from a key file's text: 64 hexadecimal characters (32 bytes, e.g. made by
// `openssl rand -hex 32`), surrounding whitespace ignored. Error messages name the id,
// never the content. Errors: Errc::kInvalidArgument.
Result<KeyRing> kek_from_file_text(std::string_view kek_id, std::string_view text);

// plaintext sealed under ring.current() for context, in the text form above.
// Errors: Errc::kInternal if OpenSSL fails.
Result<std::string> seal_secret(const KeyRing& ring, const SealContext& context,
                                ByteView plaintext);

// The plaintext of sealed if it was sealed for context under a KEK in ring. Errors as the file
// comment lists.
Result<crypto::SecretBytes> open_secret(const KeyRing& ring, const SealContext& context,
                                        std::string_view sealed);

// True if sealed names a kid other than the current KEK's (re-seal it after opening).
[[nodiscard]] bool needs_reseal(const KeyRing& ring, std::string_view sealed);

}  // namespace bw::authcore
