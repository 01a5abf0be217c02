// X25519 key agreement (RFC 7748) over OpenSSL EVP.
// Guarantee: x25519() never returns the all-zero shared secret. That value is what a
// low-order (small-subgroup) peer public key produces whatever our private key is, so a
// key derived from it would be known to an attacker; RFC 7748 §6.1 allows rejecting it and
// we always do, with Errc::kZeroSharedSecret. Every other 32-byte public key is accepted as
// RFC 7748 specifies: the top bit is ignored and non-canonical values (u >= 2^255 - 19) are
// reduced, so twist points and non-canonical encodings give the RFC's result.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "bw/bytes.hpp"
#include "bw/crypto/secret_bytes.hpp"
#include "bw/result.hpp"

namespace bw::crypto {

inline constexpr std::size_t kX25519KeySize = 32;
using X25519PublicKey = std::array<std::uint8_t, kX25519KeySize>;

struct X25519KeyPair {
  SecretBytes private_key;  // 32 bytes (clamped by the scalar multiplication, not here)
  X25519PublicKey public_key;
};

// A fresh keypair from the CSPRNG. Errors: Errc::kInternal if OpenSSL fails.
Result<X25519KeyPair> x25519_generate();

// The public key X25519(private_key, 9). Errors: Errc::kInvalidArgument unless private_key is
// 32 bytes; Errc::kInternal if OpenSSL fails.
Result<X25519PublicKey> x25519_public_from_private(ByteView private_key);

// The shared secret X25519(private_key, peer_public). Errors: Errc::kInvalidArgument unless
// both are 32 bytes; Errc::kZeroSharedSecret if the result is all zero (low-order peer key);
// Errc::kInternal if OpenSSL fails.
Result<SecretBytes> x25519(ByteView private_key, ByteView peer_public);

}  // namespace bw::crypto
