// base64url: RFC 4648 vectors, round trips at every length, and each strict rejection.
#include "bw/crypto/base64url.hpp"

#include <gtest/gtest.h>

#include "bw/crypto/errors.hpp"
#include "bw/crypto/random.hpp"

namespace bw::crypto {
namespace {

void expect_rejected(std::string_view text) {
  auto r = base64url_decode(text);
  ASSERT_FALSE(r.ok()) << "accepted \"" << text << "\"";
  EXPECT_TRUE(has_code(r.error(), Errc::kInvalidEncoding)) << text;
}

// RFC 4648 §10, without the padding.
TEST(Base64Url, MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(to_bytes(plain)), encoded);
    EXPECT_EQ(base64url_decode(encoded).value(), to_bytes(plain));
  }
}

TEST(Base64Url, UsesTheUrlSafeAlphabet) {
  const Bytes data = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64url_encode(data), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_").value(), data);
  const Bytes all = {0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b, 0x30, 0xd3, 0x8f,
                     0x41, 0x14, 0x93, 0x51, 0x55, 0x97, 0x61, 0x96, 0x9b, 0x71, 0xd7, 0x9f,
                     0x82, 0x18, 0xa3, 0x92, 0x59, 0xa7, 0xa2, 0x9a, 0xab, 0xb2, 0xdb, 0xaf,
                     0xc3, 0x1c, 0xb3, 0xd3, 0x5d, 0xb7, 0xe3, 0x9e, 0xbb, 0xf3, 0xdf, 0xbf};
  EXPECT_EQ(base64url_encode(all),
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}

TEST(Base64Url, RoundTripsEveryLength) {
  for (std::size_t n = 0; n < 100; ++n) {
    const Bytes data = random(n);
    const std::string text = base64url_encode(data);
    EXPECT_EQ(text.size(), (4 * n + 2) / 3);
    EXPECT_EQ(base64url_decode(text).value(), data) << n;
  }
}

TEST(Base64Url, RejectsPadding) {
  expect_rejected("Zg==");
  expect_rejected("Zm8=");
  expect_rejected("Zg=");
  expect_rejected("====");
  EXPECT_NE(base64url_decode("Zm8=").error().message.find("padding"), std::string::npos);
}

TEST(Base64Url, RejectsCharactersOutsideTheAlphabet) {
  for (const char* text : {"Zm9v+mFy", "Zm9v/mFy", "Zm9v Yg", "Zm9v\nYmFy", "Zm9vYm\x80y", "Zm.v"}) {
    expect_rejected(text);
  }
  expect_rejected(std::string_view("Zm\0v", 4));
}

TEST(Base64Url, RejectsLengthOneModFour) {
  expect_rejected("Z");
  expect_rejected("Zm9vY");
}

TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
  // "Zg" is 'f'; "Zh".."Zv" carry the same byte with non-zero unused bits.
  for (const char* text : {"Zh", "Zi", "Zv", "Zm9", "Zm-"}) expect_rejected(text);
  // "Zm8" is "fo": its last character's two unused bits must be zero too.
  EXPECT_TRUE(base64url_decode("Zm8").ok());
  expect_rejected("Zm9");
}

}  // namespace
}  // namespace bw::crypto
