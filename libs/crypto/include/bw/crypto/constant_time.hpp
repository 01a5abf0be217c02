// Comparison whose running time does not depend on the bytes compared.
#pragma once

#include "bw/bytes.hpp"

namespace bw::crypto {

// True if a and b hold the same bytes. Equal-length inputs are compared with CRYPTO_memcmp,
// in time independent of where they differ; inputs of different lengths are unequal at once
// (lengths are treated as public: compare secrets of a fixed, known length).
[[nodiscard]] bool constant_time_equal(ByteView a, ByteView b);

}  // namespace bw::crypto
