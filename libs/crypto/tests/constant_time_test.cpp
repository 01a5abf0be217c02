// constant_time_equal: equality semantics (its timing is CRYPTO_memcmp's).
#include "bw/crypto/constant_time.hpp"

#include <gtest/gtest.h>

namespace bw::crypto {
namespace {

TEST(ConstantTimeEqual, EqualBytesAreEqual) {
  EXPECT_TRUE(constant_time_equal(to_bytes("secret"), to_bytes("secret")));
  EXPECT_TRUE(constant_time_equal({}, {}));
}

TEST(ConstantTimeEqual, AnyDifferingByteMakesThemUnequal) {
  const Bytes a(64, 0x5a);
  for (std::size_t i = 0; i < a.size(); ++i) {
    Bytes b = a;
    b[i] ^= 0x80;
    EXPECT_FALSE(constant_time_equal(a, b)) << i;
  }
}

TEST(ConstantTimeEqual, DifferentLengthsAreUnequal) {
  EXPECT_FALSE(constant_time_equal(to_bytes("abc"), to_bytes("abcd")));
  EXPECT_FALSE(constant_time_equal(to_bytes("abc"), to_bytes("ab")));
  EXPECT_FALSE(constant_time_equal({}, to_bytes("a")));
}

}  // namespace
}  // namespace bw::crypto
