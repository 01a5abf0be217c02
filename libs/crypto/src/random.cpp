// Random bytes: see random.hpp. RAND_bytes takes an int length, so large requests are filled
// in chunks; any failure aborts before the caller can see the buffer.
#include "bw/crypto/random.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "openssl_util.hpp"

namespace bw::crypto {

void random_bytes(std::span<std::uint8_t> out) {
  constexpr std::size_t kChunk = std::size_t{1} << 30;
  while (!out.empty()) {
    const std::size_t n = std::min(out.size(), kChunk);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      detail::fatal("RAND_bytes failed: the CSPRNG cannot produce random bytes");
    }
    out = out.subspan(n);
  }
}

Bytes random(std::size_t n) {
  Bytes out(n);
  random_bytes(out);
  return out;
}

SecretBytes random_secret(std::size_t n) {
  SecretBytes out(n);
  random_bytes(out.span());
  return out;
}

}  // namespace bw::crypto
