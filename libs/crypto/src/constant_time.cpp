// constant_time_equal: see constant_time.hpp.
#include "bw/crypto/constant_time.hpp"

#include <openssl/crypto.h>

namespace bw::crypto {

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace bw::crypto
