// HKDF-SHA256: every Wycheproof case (including the too-large sizes), RFC 5869 answers and
// the output-length limits.
#include "bw/crypto/hkdf.hpp"

#include <gtest/gtest.h>

#include "bw/crypto/constant_time.hpp"
#include "bw/crypto/errors.hpp"
#include "bw/crypto/hex.hpp"
#include "wycheproof.hpp"

namespace bw::crypto {
namespace {

using testing::CaseTally;
using testing::hex_field;

TEST(Hkdf, MatchesEveryWycheproofCase) {
  const auto file = testing::load_wycheproof("hkdf_sha256_test.json");
  ASSERT_FALSE(file.is_null());
  CaseTally tally("hkdf_sha256");
  for (const auto& group : file["testGroups"]) {
    for (const auto& tc : group["tests"]) {
      auto okm = hkdf_sha256(hex_field(tc, "ikm"), hex_field(tc, "salt"), hex_field(tc, "info"),
                             tc.at("size").get<std::size_t>());
      const std::string result = tc.at("result");
      if (result == "valid") {
        const Bytes expected = hex_field(tc, "okm");
        tally.record(tc, okm.ok() && constant_time_equal(okm->view(), expected),
                     okm.ok() ? "wrong output" : okm.error().message);
      } else if (result == "invalid") {
        tally.record(tc, !okm.ok() && has_code(okm.error(), Errc::kInvalidArgument),
                     "invalid request not refused as such");
      } else {
        tally.record(tc, !okm.ok() || constant_time_equal(okm->view(), hex_field(tc, "okm")),
                     "acceptable case gave other bytes");
      }
    }
  }
  tally.finish(file);
}

// RFC 5869 Appendix A.1 (basic) and A.3 (empty salt and info).
TEST(Hkdf, MatchesRfc5869) {
  const Bytes ikm(22, 0x0b);
  const Bytes salt = hex_decode("000102030405060708090a0b0c").value();
  const Bytes info = hex_decode("f0f1f2f3f4f5f6f7f8f9").value();
  EXPECT_EQ(hex_encode(hkdf_sha256(ikm, salt, info, 42).value().view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  EXPECT_EQ(hex_encode(hkdf_sha256(ikm, {}, {}, 42).value().view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(Hkdf, EmptySaltEqualsHashLengthZeroSalt) {
  const Bytes ikm = to_bytes("shared secret");
  EXPECT_TRUE(constant_time_equal(hkdf_sha256(ikm, {}, to_bytes("i"), 32).value().view(),
                                  hkdf_sha256(ikm, Bytes(32, 0), to_bytes("i"), 32).value().view()));
}

// RFC 5869 does not forbid empty input keying material; OpenSSL must not treat it as missing.
TEST(Hkdf, AcceptsEmptyIkm) {
  EXPECT_EQ(hex_encode(hkdf_sha256({}, {}, {}, 32).value().view()),
            "eb70f01dede9afafa449eee1b1286504e1f62388b3f7dd4f956697b0e828fe18");
}

TEST(Hkdf, RejectsZeroAndTooLongOutput) {
  const Bytes ikm(32, 1);
  for (std::size_t n : {std::size_t{0}, kHkdfSha256MaxOutput + 1, std::size_t{1} << 40}) {
    auto r = hkdf_sha256(ikm, {}, {}, n);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_TRUE(has_code(r.error(), Errc::kInvalidArgument));
  }
  EXPECT_EQ(hkdf_sha256(ikm, {}, {}, kHkdfSha256MaxOutput).value().size(), kHkdfSha256MaxOutput);
}

TEST(Hkdf, RejectsInfoLongerThanOpensslAccepts) {
  const Bytes ikm(32, 1);
  EXPECT_TRUE(hkdf_sha256(ikm, {}, Bytes(kHkdfMaxInfo, 7), 32).ok());
  auto r = hkdf_sha256(ikm, {}, Bytes(kHkdfMaxInfo + 1, 7), 32);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_code(r.error(), Errc::kInvalidArgument));
}

TEST(Hkdf, OutputIsPrefixConsistent) {
  const Bytes ikm(32, 3);
  const auto long_out = hkdf_sha256(ikm, to_bytes("s"), to_bytes("i"), 100).value();
  const auto short_out = hkdf_sha256(ikm, to_bytes("s"), to_bytes("i"), 33).value();
  EXPECT_TRUE(constant_time_equal(long_out.view().first(33), short_out.view()));
}

}  // namespace
}  // namespace bw::crypto
