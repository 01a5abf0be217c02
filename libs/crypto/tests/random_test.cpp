// Random bytes: sizes are honoured and outputs do not repeat (a broken or unseeded generator
// returning constant or repeating output would fail these with overwhelming probability).
#include "bw/crypto/random.hpp"

#include <gtest/gtest.h>

#include <set>

namespace bw::crypto {
namespace {

TEST(Random, ReturnsTheRequestedSize) {
  EXPECT_TRUE(random(0).empty());
  EXPECT_EQ(random(1).size(), 1u);
  EXPECT_EQ(random(4097).size(), 4097u);
  EXPECT_EQ(random_secret(32).size(), 32u);
}

TEST(Random, DoesNotRepeat) {
  std::set<Bytes> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(random(16)).second);
}

TEST(Random, FillsTheWholeBuffer) {
  // Each byte stays 0 in 256 fresh draws with probability 2^-2048.
  Bytes ored(64, 0);
  for (int i = 0; i < 256; ++i) {
    Bytes buf(64, 0);
    random_bytes(buf);
    for (std::size_t j = 0; j < buf.size(); ++j) ored[j] |= buf[j];
  }
  for (std::uint8_t b : ored) EXPECT_NE(b, 0);
}

TEST(Random, SecretsDoNotRepeat) {
  const SecretBytes a = random_secret(32), b = random_secret(32);
  EXPECT_NE(Bytes(a.begin(), a.end()), Bytes(b.begin(), b.end()));
}

}  // namespace
}  // namespace bw::crypto
