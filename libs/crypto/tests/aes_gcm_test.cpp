// AES-GCM: every Wycheproof case, the protocol-shaped helpers, tampering, argument checks,
// and agreement between the EVP engine and the long-IV (GCM128) engine.
#include "bw/crypto/aes_gcm.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "bw/crypto/errors.hpp"
#include "bw/crypto/random.hpp"
#include "gcm_engines.hpp"
#include "wycheproof.hpp"

namespace bw::crypto {
namespace {

using testing::CaseTally;
using testing::hex_field;

Bytes concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  append(out, b);
  return out;
}

TEST(AesGcm, MatchesEveryWycheproofCase) {
  const auto file = testing::load_wycheproof("aes_gcm_test.json");
  ASSERT_FALSE(file.is_null());
  CaseTally tally("aes_gcm");
  for (const auto& group : file["testGroups"]) {
    const std::size_t tag_len = group.at("tagSize").get<std::size_t>() / 8;
    for (const auto& tc : group["tests"]) {
      const Bytes key = hex_field(tc, "key"), iv = hex_field(tc, "iv"), aad = hex_field(tc, "aad");
      const Bytes msg = hex_field(tc, "msg");
      const Bytes sealed_expected = concat(hex_field(tc, "ct"), hex_field(tc, "tag"));
      const std::string result = tc.at("result");
      auto sealed = aes_gcm_seal(key, iv, aad, msg, tag_len);
      auto opened = aes_gcm_open(key, iv, aad, sealed_expected, tag_len);
      const bool seal_matches = sealed.ok() && *sealed == sealed_expected;
      const bool open_matches = opened.ok() && *opened == msg;
      if (result == "valid") {
        tally.record(tc, seal_matches && open_matches, "seal or open did not reproduce the case");
      } else if (result == "invalid") {
        tally.record(tc, !seal_matches && !opened.ok(), "an invalid case was accepted");
      } else {  // acceptable: either outcome, but never a wrong plaintext
        tally.record(tc, !opened.ok() || open_matches, "acceptable case opened to other bytes");
      }
    }
  }
  tally.finish(file);
}

struct Fixture {
  Bytes key = random(32);
  Bytes iv = random(12);
  Bytes aad = to_bytes("envelope header");
  Bytes plaintext = to_bytes("run the tests, then commit");
};

TEST(AesGcm, ProtocolShapeRoundTrips) {
  Fixture f;
  auto sealed = aes256_gcm_seal(f.key, f.iv, f.aad, f.plaintext);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), f.plaintext.size() + kGcmTagSize);
  auto opened = aes256_gcm_open(f.key, f.iv, f.aad, *sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, f.plaintext);
}

TEST(AesGcm, EmptyPlaintextAndAadRoundTrip) {
  Fixture f;
  auto sealed = aes256_gcm_seal(f.key, f.iv, {}, {});
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), kGcmTagSize);
  auto opened = aes256_gcm_open(f.key, f.iv, {}, *sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->empty());
}

void expect_auth_failure(const Result<Bytes>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_code(r.error(), Errc::kAuthenticationFailed)) << r.error().message;
}

TEST(AesGcm, RejectsTamperedTag) {
  Fixture f;
  Bytes sealed = aes256_gcm_seal(f.key, f.iv, f.aad, f.plaintext).value();
  sealed.back() ^= 0x01;
  expect_auth_failure(aes256_gcm_open(f.key, f.iv, f.aad, sealed));
}

TEST(AesGcm, RejectsTamperedCiphertext) {
  Fixture f;
  Bytes sealed = aes256_gcm_seal(f.key, f.iv, f.aad, f.plaintext).value();
  sealed.front() ^= 0x80;
  expect_auth_failure(aes256_gcm_open(f.key, f.iv, f.aad, sealed));
}

TEST(AesGcm, RejectsTamperedAad) {
  Fixture f;
  const Bytes sealed = aes256_gcm_seal(f.key, f.iv, f.aad, f.plaintext).value();
  Bytes aad = f.aad;
  aad[0] ^= 0x01;
  expect_auth_failure(aes256_gcm_open(f.key, f.iv, aad, sealed));
  expect_auth_failure(aes256_gcm_open(f.key, f.iv, {}, sealed));
}

TEST(AesGcm, RejectsWrongKeyOrIv) {
  Fixture f;
  const Bytes sealed = aes256_gcm_seal(f.key, f.iv, f.aad, f.plaintext).value();
  Bytes other = f.key;
  other[31] ^= 0x01;
  expect_auth_failure(aes256_gcm_open(other, f.iv, f.aad, sealed));
  other = f.iv;
  other[11] ^= 0x01;
  expect_auth_failure(aes256_gcm_open(f.key, other, f.aad, sealed));
}

TEST(AesGcm, RejectsTruncatedInput) {
  Fixture f;
  const Bytes sealed = aes256_gcm_seal(f.key, f.iv, f.aad, f.plaintext).value();
  expect_auth_failure(aes256_gcm_open(f.key, f.iv, f.aad, ByteView(sealed).first(15)));
  expect_auth_failure(aes256_gcm_open(f.key, f.iv, f.aad, ByteView(sealed).first(sealed.size() - 1)));
  expect_auth_failure(aes256_gcm_open(f.key, f.iv, f.aad, {}));
}

void expect_invalid_argument(const Result<Bytes>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_code(r.error(), Errc::kInvalidArgument)) << r.error().message;
}

TEST(AesGcm, RejectsEmptyIv) {
  Fixture f;
  expect_invalid_argument(aes_gcm_seal(f.key, {}, f.aad, f.plaintext));
  expect_invalid_argument(aes_gcm_open(f.key, {}, f.aad, Bytes(32)));
}

TEST(AesGcm, RejectsBadKeySizesAndTagLengths) {
  Fixture f;
  for (std::size_t n : {0, 8, 15, 17, 31, 33, 64}) {
    expect_invalid_argument(aes_gcm_seal(Bytes(n), f.iv, f.aad, f.plaintext));
  }
  for (std::size_t tag_len : {0, 4, 8, 11, 17, 32}) {
    expect_invalid_argument(aes_gcm_seal(f.key, f.iv, f.aad, f.plaintext, tag_len));
    expect_invalid_argument(aes_gcm_open(f.key, f.iv, f.aad, Bytes(64), tag_len));
  }
}

TEST(AesGcm, ProtocolHelpersInsistOnTheirShape) {
  Fixture f;
  expect_invalid_argument(aes256_gcm_seal(Bytes(16), f.iv, f.aad, f.plaintext));
  expect_invalid_argument(aes256_gcm_seal(f.key, Bytes(16), f.aad, f.plaintext));
  expect_invalid_argument(aes256_gcm_open(Bytes(24), f.iv, f.aad, Bytes(32)));
  expect_invalid_argument(aes256_gcm_open(f.key, Bytes(8), f.aad, Bytes(32)));
}

TEST(AesGcm, ShortTagIsPrefixOfFullTag) {
  Fixture f;
  const Bytes full = aes_gcm_seal(f.key, f.iv, f.aad, f.plaintext, 16).value();
  const Bytes short_tag = aes_gcm_seal(f.key, f.iv, f.aad, f.plaintext, 12).value();
  ASSERT_EQ(short_tag.size() + 4, full.size());
  EXPECT_TRUE(std::equal(short_tag.begin(), short_tag.end(), full.begin()));
  EXPECT_EQ(aes_gcm_open(f.key, f.iv, f.aad, short_tag, 12).value(), f.plaintext);
}

TEST(AesGcm, LongIvRoundTripsAndIsBound) {
  Fixture f;
  const Bytes iv = random(300);
  const Bytes sealed = aes_gcm_seal(f.key, iv, f.aad, f.plaintext).value();
  EXPECT_EQ(aes_gcm_open(f.key, iv, f.aad, sealed).value(), f.plaintext);
  Bytes other = iv;
  other[299] ^= 0x01;
  expect_auth_failure(aes_gcm_open(f.key, other, f.aad, sealed));
}

// The long-IV engine must be the same function as the EVP engine wherever both apply.
TEST(AesGcm, EnginesAgreeOnEveryEvpIvLength) {
  for (std::size_t iv_len = 1; iv_len <= detail::kEvpMaxGcmIv; ++iv_len) {
    const Bytes key = random(16 + 8 * (iv_len % 3));
    const Bytes iv = random(iv_len), aad = random(iv_len % 40), msg = random(iv_len % 70);
    const detail::GcmRequest seal{key, iv, aad, msg, kGcmTagSize};
    const Bytes evp = detail::evp_gcm_seal(seal).value();
    const Bytes gcm128 = detail::gcm128_seal(seal).value();
    ASSERT_EQ(evp, gcm128) << "IV length " << iv_len;
    const detail::GcmRequest open{key, iv, aad, evp, kGcmTagSize};
    EXPECT_EQ(detail::gcm128_open(open).value(), msg);
    EXPECT_EQ(detail::evp_gcm_open(open).value(), msg);
  }
}

}  // namespace
}  // namespace bw::crypto
