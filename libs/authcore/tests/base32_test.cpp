// Strict unpadded base32 (RFC 4648 §10 vectors without padding).
#include "bw/authcore/base32.hpp"

#include <gtest/gtest.h>

#include "bw/authcore/errors.hpp"
#include "bw/crypto/random.hpp"

namespace bw::authcore {
namespace {

TEST(Base32, EncodesRfc4648Vectors) {
  EXPECT_EQ(base32_encode(as_bytes("")), "");
  EXPECT_EQ(base32_encode(as_bytes("f")), "MY");
  EXPECT_EQ(base32_encode(as_bytes("fo")), "MZXQ");
  EXPECT_EQ(base32_encode(as_bytes("foo")), "MZXW6");
  EXPECT_EQ(base32_encode(as_bytes("foob")), "MZXW6YQ");
  EXPECT_EQ(base32_encode(as_bytes("fooba")), "MZXW6YTB");
  EXPECT_EQ(base32_encode(as_bytes("foobar")), "MZXW6YTBOI");
}

TEST(Base32, RoundTripsEveryLength) {
  for (std::size_t n = 0; n <= 41; ++n) {
    const Bytes data = crypto::random(n);
    auto back = base32_decode(base32_encode(data));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(Bytes(back->begin(), back->end()), data) << n;
  }
}

TEST(Base32, RefusesNonCanonicalText) {
  for (std::string_view bad : {"MY======", "my", "MZXW6 YQ", "M", "MZX", "MZXW6Y", "MZ",
                               "M1", "MZ8Q", "MZXW6YQ=", "MZXW6YR"}) {
    auto r = base32_decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(has_code(r.error(), Errc::kInvalidEncoding)) << bad;
  }
}

}  // namespace
}  // namespace bw::authcore
