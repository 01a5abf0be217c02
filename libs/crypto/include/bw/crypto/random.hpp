// Random bytes from OpenSSL's CSPRNG (RAND_bytes). Guarantee: these functions either return
// cryptographically random bytes or abort the process with a message on stderr. They never
// return predictable or partially filled output, so callers have no failure to handle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "bw/bytes.hpp"
#include "bw/crypto/secret_bytes.hpp"

namespace bw::crypto {

// Fills out with random bytes (any size, including 0). Aborts if the CSPRNG fails.
void random_bytes(std::span<std::uint8_t> out);

// n random bytes, for public values (nonces, ids). Aborts if the CSPRNG fails.
Bytes random(std::size_t n);

// n random bytes in a SecretBytes, for keys and secrets. Aborts if the CSPRNG fails.
SecretBytes random_secret(std::size_t n);

}  // namespace bw::crypto
