// Ed25519 signatures (RFC 8032, pure Ed25519, no context) over OpenSSL EVP.
// Guarantees of ed25519_verify: it accepts only a 32-byte public key and a 64-byte signature
// that verifies; it rejects malleable signatures (S not reduced below the group order L),
// non-canonical or undecodable points, and inputs of any other length. It never reports an
// error: every failure is simply "not valid".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "bw/bytes.hpp"
#include "bw/crypto/secret_bytes.hpp"
#include "bw/result.hpp"

namespace bw::crypto {

inline constexpr std::size_t kEd25519SeedSize = 32;
inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;
using Ed25519PublicKey = std::array<std::uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureSize>;

struct Ed25519KeyPair {
  SecretBytes seed;  // the 32-byte private key (RFC 8032's "secret key")
  Ed25519PublicKey public_key;
};

// A fresh keypair from the CSPRNG. Errors: Errc::kInternal if OpenSSL fails.
Result<Ed25519KeyPair> ed25519_generate();

// The public key of a 32-byte seed. Errors: Errc::kInvalidArgument unless seed is 32 bytes;
// Errc::kInternal if OpenSSL fails.
Result<Ed25519PublicKey> ed25519_public_from_seed(ByteView seed);

// The (deterministic) signature of message under seed. Errors: Errc::kInvalidArgument unless
// seed is 32 bytes; Errc::kInternal if OpenSSL fails.
Result<Ed25519Signature> ed25519_sign(ByteView seed, ByteView message);

// True only if signature is a valid Ed25519 signature of message under public_key (see above).
[[nodiscard]] bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature);

}  // namespace bw::crypto
