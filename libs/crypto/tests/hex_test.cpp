// Hex: round trips, case handling, and rejections.
#include "bw/crypto/hex.hpp"

#include <gtest/gtest.h>

#include "bw/crypto/errors.hpp"

namespace bw::crypto {
namespace {

TEST(Hex, EncodesLowercase) {
  EXPECT_EQ(hex_encode(Bytes{0x00, 0x01, 0xab, 0xff}), "0001abff");
  EXPECT_EQ(hex_encode({}), "");
}

TEST(Hex, DecodesEitherCase) {
  EXPECT_EQ(hex_decode("0001abFF").value(), (Bytes{0x00, 0x01, 0xab, 0xff}));
  EXPECT_TRUE(hex_decode("").value().empty());
}

TEST(Hex, RejectsOddLengthAndNonDigits) {
  for (const char* text : {"a", "abc", "0g", "zz", " 0", "0x12"}) {
    auto r = hex_decode(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_TRUE(has_code(r.error(), Errc::kInvalidEncoding));
  }
}

}  // namespace
}  // namespace bw::crypto
