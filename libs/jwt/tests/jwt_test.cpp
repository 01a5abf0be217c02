// sign() and verify() on well-formed tokens: round trips for both kinds, audience lists,
// leeway, and the options verify() refuses.
#include <gtest/gtest.h>

#include "bw/jwt/jwt.hpp"
#include "test_keys.hpp"

namespace bw::jwt {
namespace {

using namespace bw::jwt::testing;

TEST(Jwt, AccessTokenRoundTrips) {
  const KeySet keys = key_set();
  auto token = sign(*keys.signing_key(), access_claims(), TokenKind::kAccess);
  ASSERT_TRUE(token.ok());
  auto claims = verify(keys, token.value(), access_options(), kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims.value(), access_claims());
}

TEST(Jwt, AccessTokenHeaderIsPinned) {
  const KeySet keys = key_set();
  auto token = sign(*keys.signing_key(), access_claims(), TokenKind::kAccess);
  ASSERT_TRUE(token.ok());
  auto parts = detail::split_compact(token.value());
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(to_string(parts->header), R"({"alg":"EdDSA","kid":"k1","typ":"at+jwt"})");
}

TEST(Jwt, DeviceAssertionRoundTrips) {
  const KeySet keys = key_set();
  auto token = sign(*keys.signing_key(), assertion_claims(), TokenKind::kDeviceAssertion);
  ASSERT_TRUE(token.ok());
  auto claims = verify(keys, token.value(), assertion_options(), kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims.value(), assertion_claims());
}

TEST(Jwt, RevocationEpochAndAuthMethodsRoundTrip) {
  const KeySet keys = key_set();
  Claims c = access_claims();
  c.revocation_epoch = 7;
  c.auth_methods = {"pwd", "otp"};
  auto token = sign(*keys.signing_key(), c, TokenKind::kAccess);
  ASSERT_TRUE(token.ok());
  auto claims = verify(keys, token.value(), access_options(), kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->revocation_epoch, 7);
  EXPECT_EQ(claims->auth_methods, (std::vector<std::string>{"pwd", "otp"}));
}

TEST(Jwt, AuthMethodsOutsideTheClosedSetOrRepeatedAreRefused) {
  const KeySet keys = key_set();
  for (const std::vector<std::string>& amr : {std::vector<std::string>{"sms"}, {"pwd", "pwd"},
                                              {"pwd", "otp", "rec", "pwd"}, {""}}) {
    Claims c = access_claims();
    c.auth_methods = amr;
    EXPECT_FALSE(sign(*keys.signing_key(), c, TokenKind::kAccess).ok()) << amr.size();
  }
  Claims negative = access_claims();
  negative.revocation_epoch = -1;
  EXPECT_FALSE(sign(*keys.signing_key(), negative, TokenKind::kAccess).ok());
}

TEST(Jwt, DeviceAssertionsCarryNoAccessTokenFields) {
  const KeySet keys = key_set();
  Claims c = assertion_claims();
  c.revocation_epoch = 1;
  auto signed_token = sign(*keys.signing_key(), c, TokenKind::kDeviceAssertion);
  ASSERT_FALSE(signed_token.ok());
  EXPECT_EQ(signed_token.error().code, static_cast<int>(Errc::kWrongTokenKind));
}

TEST(Jwt, AudienceArrayMustContainTheExpectedAudience) {
  const KeySet keys = key_set();
  Claims c = access_claims();
  c.audience = {"other", kAudience};
  auto token = sign(*keys.signing_key(), c, TokenKind::kAccess);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(verify(keys, token.value(), access_options(), kNow).ok());
}

TEST(Jwt, NotBeforeInThePastIsAccepted) {
  const KeySet keys = key_set();
  Claims c = access_claims();
  c.not_before = kNow - 5;
  auto token = sign(*keys.signing_key(), c, TokenKind::kAccess);
  ASSERT_TRUE(token.ok());
  auto claims = verify(keys, token.value(), access_options(), kNow);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->not_before, kNow - 5);
}

TEST(Jwt, LeewayAcceptsJustExpiredTokens) {
  const KeySet keys = key_set();
  const Claims c = access_claims();
  auto token = sign(*keys.signing_key(), c, TokenKind::kAccess);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(verify(keys, token.value(), access_options(), c.expires_at + 29).ok());
  auto late = verify(keys, token.value(), access_options(), c.expires_at + 30);
  ASSERT_FALSE(late.ok());
  EXPECT_TRUE(has_code(late.error(), Errc::kExpired));
  VerifyOptions strict = access_options();
  strict.leeway = std::chrono::seconds{0};
  EXPECT_FALSE(verify(keys, token.value(), strict, c.expires_at).ok());
  EXPECT_TRUE(verify(keys, token.value(), strict, c.expires_at - 1).ok());
}

TEST(Jwt, LeewayAboveSixtySecondsIsRefused) {
  const KeySet keys = key_set();
  auto token = sign(*keys.signing_key(), access_claims(), TokenKind::kAccess);
  ASSERT_TRUE(token.ok());
  VerifyOptions options = access_options();
  options.leeway = std::chrono::seconds{61};
  auto claims = verify(keys, token.value(), options, kNow);
  ASSERT_FALSE(claims.ok());
  EXPECT_TRUE(has_code(claims.error(), Errc::kInvalidArgument));
  options.leeway = std::chrono::seconds{-1};
  EXPECT_FALSE(verify(keys, token.value(), options, kNow).ok());
}

TEST(Jwt, SignRefusesClaimsItCouldNotVerify) {
  const KeySet keys = key_set();
  Claims no_session = access_claims();
  no_session.session.reset();
  EXPECT_FALSE(sign(*keys.signing_key(), no_session, TokenKind::kAccess).ok());
  Claims bad_role = access_claims();
  bad_role.role = "root";
  EXPECT_FALSE(sign(*keys.signing_key(), bad_role, TokenKind::kAccess).ok());
  Claims control = access_claims();
  control.subject = "a\nb";
  EXPECT_FALSE(sign(*keys.signing_key(), control, TokenKind::kAccess).ok());
  Claims long_lived = access_claims();
  long_lived.expires_at = long_lived.issued_at + 301;
  auto refused = sign(*keys.signing_key(), long_lived, TokenKind::kAccess);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(has_code(refused.error(), Errc::kLifetimeTooLong));
  EXPECT_FALSE(sign(*keys.signing_key(), access_claims(), TokenKind::kDeviceAssertion).ok());
}

TEST(Jwt, TokenSignedByAnIndependentImplementationVerifies) {
  // Made with Python's cryptography (Ed25519, seed 0x01 * 32) and hand-built JWS framing.
  constexpr const char* kToken =
      "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0."
      "eyJhdWQiOiJyZWxheSIsImV4cCI6MTcwMDAwMDI5MCwiaWF0IjoxNjk5OTk5OTkwLCJpc3MiOiJhdXRoIiwian"
      "RpIjoiaiIsInJvbGUiOiJtZW1iZXIiLCJzaWQiOiJzIiwic3ViIjoidSIsInRpZCI6InQifQ."
      "oiPrk94546nheFU-BGbVSq-ChjWp_8BhKTk5ce54qVxKOtfdH_aOTpKMQhU331jQyUKTOAsWLx7k4yL4SrIKDg";
  const KeySet keys = key_set();
  auto claims = verify(keys, kToken, VerifyOptions{.issuer = "auth", .audience = "relay"}, kNow);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->subject, "u");
  EXPECT_EQ(claims->session, "s");
  EXPECT_EQ(claims->expires_at, 1700000290);
}

TEST(Jwt, ErrcNamesAreStable) {
  EXPECT_EQ(errc_name(Errc::kMalformed), "malformed");
  EXPECT_EQ(errc_name(Errc::kBadAlg), "bad_alg");
  EXPECT_EQ(errc_name(Errc::kUnknownKid), "unknown_kid");
  EXPECT_EQ(errc_name(Errc::kLifetimeTooLong), "lifetime_too_long");
  EXPECT_EQ(static_cast<int>(Errc::kInternal), 19);
}

}  // namespace
}  // namespace bw::jwt
