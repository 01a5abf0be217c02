// X25519: every Wycheproof case (with our documented rejection of all-zero shared secrets),
// key agreement both ways, and argument checks.
#include "bw/crypto/x25519.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "bw/crypto/constant_time.hpp"
#include "bw/crypto/errors.hpp"
#include "bw/crypto/hex.hpp"
#include "wycheproof.hpp"

namespace bw::crypto {
namespace {

using testing::CaseTally;
using testing::hex_field;

bool all_zero(ByteView b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

// Our contract for one case: "valid" must match; "invalid" must be rejected; "acceptable"
// must match, unless the expected secret is all zero, which we must reject as exactly that.
// Every all-zero expectation must be rejected with kZeroSharedSecret, whatever its label.
TEST(X25519, MatchesEveryWycheproofCase) {
  const auto file = testing::load_wycheproof("x25519_test.json");
  ASSERT_FALSE(file.is_null());
  CaseTally tally("x25519");
  std::size_t acceptable_matched = 0, acceptable_rejected_zero = 0;
  for (const auto& group : file["testGroups"]) {
    for (const auto& tc : group["tests"]) {
      const Bytes priv = hex_field(tc, "private"), pub = hex_field(tc, "public");
      const Bytes expected = hex_field(tc, "shared");
      const std::string result = tc.at("result");
      auto shared = x25519(priv, pub);
      const bool matches = shared.ok() && constant_time_equal(shared->view(), expected);
      const bool rejected_as_zero = !shared.ok() && has_code(shared.error(), Errc::kZeroSharedSecret);
      const std::string got = shared.ok() ? hex_encode(shared->view()) : shared.error().message;
      if (all_zero(expected)) {
        const bool documented = result != "valid" && testing::has_flag(tc, "ZeroSharedSecret");
        tally.record(tc, rejected_as_zero && documented, "zero secret not rejected as such: " + got);
        acceptable_rejected_zero += rejected_as_zero ? 1 : 0;
      } else if (result == "invalid") {
        tally.record(tc, !shared.ok(), "invalid case accepted");
      } else {
        tally.record(tc, matches, "expected " + hex_encode(expected) + ", got " + got);
        acceptable_matched += (matches && result == "acceptable") ? 1 : 0;
      }
    }
  }
  std::cout << "wycheproof x25519: acceptable cases matched " << acceptable_matched
            << ", rejected as all-zero shared secret " << acceptable_rejected_zero << "\n";
  tally.finish(file);
}

TEST(X25519, AgreesBothWays) {
  auto alice = x25519_generate();
  auto bob = x25519_generate();
  ASSERT_TRUE(alice.ok() && bob.ok());
  auto ab = x25519(alice->private_key.view(), bob->public_key);
  auto ba = x25519(bob->private_key.view(), alice->public_key);
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_EQ(ab->size(), kX25519KeySize);
  EXPECT_TRUE(constant_time_equal(ab->view(), ba->view()));
}

TEST(X25519, PublicFromPrivateMatchesGeneratedPair) {
  auto pair = x25519_generate();
  ASSERT_TRUE(pair.ok());
  auto pub = x25519_public_from_private(pair->private_key.view());
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, pair->public_key);
}

// RFC 7748 §6.1's Alice and Bob.
TEST(X25519, MatchesRfc7748KeyAgreementExample) {
  const Bytes a = hex_decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a").value();
  const Bytes b = hex_decode("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb").value();
  EXPECT_EQ(hex_encode(x25519_public_from_private(a).value()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  auto shared = x25519(a, x25519_public_from_private(b).value());
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(hex_encode(shared->view()),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

TEST(X25519, RejectsLowOrderPointAsZeroSharedSecret) {
  auto pair = x25519_generate();
  ASSERT_TRUE(pair.ok());
  const Bytes zero_point(32, 0);  // u = 0 is a low-order point: every scalar maps it to 0
  auto shared = x25519(pair->private_key.view(), zero_point);
  ASSERT_FALSE(shared.ok());
  EXPECT_TRUE(has_code(shared.error(), Errc::kZeroSharedSecret)) << shared.error().message;
}

TEST(X25519, RejectsWrongLengths) {
  auto pair = x25519_generate();
  ASSERT_TRUE(pair.ok());
  for (std::size_t n : {0, 31, 33}) {
    auto a = x25519(Bytes(n, 1), pair->public_key);
    auto b = x25519(pair->private_key.view(), Bytes(n, 9));
    ASSERT_FALSE(a.ok() || b.ok());
    EXPECT_TRUE(has_code(a.error(), Errc::kInvalidArgument));
    EXPECT_TRUE(has_code(b.error(), Errc::kInvalidArgument));
    EXPECT_FALSE(x25519_public_from_private(Bytes(n, 1)).ok());
  }
}

}  // namespace
}  // namespace bw::crypto
