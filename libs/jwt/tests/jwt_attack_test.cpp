// Attacks on verify(), one behaviour each: algorithm confusion, key selection, header
// injection, time, audience/issuer, tampering, framing and encoding, JSON ambiguity, size.
#include <string>

#include <gtest/gtest.h>

#include "bw/crypto/base64url.hpp"
#include "bw/crypto/hmac.hpp"
#include "bw/jwt/jwt.hpp"
#include "test_keys.hpp"

namespace bw::jwt {
namespace {

using namespace bw::jwt::testing;

constexpr const char* kHeader = R"({"alg":"EdDSA","kid":"k1"})";

class JwtAttack : public ::testing::Test {
 protected:
  // The Errc verify() refuses token with (kNow, access options); fails the test if accepted.
  Errc refusal(const std::string& token, const VerifyOptions& options = access_options(),
               std::int64_t now = kNow) {
    auto claims = verify(keys_, token, options, now);
    EXPECT_FALSE(claims.ok()) << "accepted";
    if (claims.ok()) return Errc::kInternal;
    if (!token.empty()) {
      EXPECT_EQ(claims.error().message.find(token), std::string::npos);
    }
    return static_cast<Errc>(claims.error().code);
  }
  std::string signed_token(const std::string& header, const std::string& payload) {
    return forge(*keys_.signing_key(), header, payload);
  }
  std::string good_payload() const { return payload_of(access_claims()); }

  KeySet keys_ = key_set();
};

TEST_F(JwtAttack, ForgedHeaderWithValidShapeStillVerifies) {
  // Sanity: the forging helper builds tokens verify() accepts, so refusals below are real.
  EXPECT_TRUE(verify(keys_, signed_token(kHeader, good_payload()), access_options(), kNow).ok());
}

TEST_F(JwtAttack, AlgNoneIsRefused) {
  const std::string token = crypto::base64url_encode(as_bytes(R"({"alg":"none","kid":"k1"})")) +
                            "." + crypto::base64url_encode(as_bytes(good_payload())) + ".";
  EXPECT_EQ(refusal(token), Errc::kBadAlg);
}

TEST_F(JwtAttack, Hs256WithThePublicKeyAsSecretIsRefused) {
  const std::string input = crypto::base64url_encode(as_bytes(R"({"alg":"HS256","kid":"k1"})")) +
                            "." + crypto::base64url_encode(as_bytes(good_payload()));
  const auto mac = crypto::hmac_sha256(keys_.signing_key()->public_key(), as_bytes(input));
  EXPECT_EQ(refusal(input + "." + crypto::base64url_encode(mac)), Errc::kBadAlg);
}

TEST_F(JwtAttack, OtherAlgorithmsAreRefusedEvenWithAValidSignature) {
  for (const char* header : {R"({"alg":"RS256","kid":"k1"})", R"({"alg":"ES256","kid":"k1"})",
                             R"({"alg":"EdDSA ","kid":"k1"})", R"({"alg":"eddsa","kid":"k1"})",
                             R"({"alg":"Ed25519","kid":"k1"})", R"({"alg":["EdDSA"],"kid":"k1"})",
                             R"({"kid":"k1"})"}) {
    EXPECT_EQ(refusal(signed_token(header, good_payload())), Errc::kBadAlg) << header;
  }
}

TEST_F(JwtAttack, UnknownKidIsRefused) {
  EXPECT_EQ(refusal(signed_token(R"({"alg":"EdDSA","kid":"k9"})", good_payload())),
            Errc::kUnknownKid);
}

TEST_F(JwtAttack, PathLikeKidIsRefused) {
  for (const char* header : {R"({"alg":"EdDSA","kid":"../../x"})",
                             R"({"alg":"EdDSA","kid":"/etc/passwd"})",
                             R"({"alg":"EdDSA","kid":""})", R"({"alg":"EdDSA","kid":7})",
                             R"({"alg":"EdDSA"})"}) {
    EXPECT_EQ(refusal(signed_token(header, good_payload())), Errc::kInvalidKid) << header;
  }
}

TEST_F(JwtAttack, KeySelectingAndCriticalHeadersAreRefused) {
  for (const char* extra : {R"("jku":"https://evil.test/jwks.json")",
                            R"("x5u":"https://evil.test/cert.pem")",
                            R"("jwk":{"kty":"OKP","crv":"Ed25519","x":"AA"})", R"("x5c":["AA"])",
                            R"("x5t":"AA")", R"("x5t#S256":"AA")", R"("crit":["exp"])",
                            R"("b64":false)", R"("cty":"JWT")", R"("zip":"DEF")"}) {
    const std::string header = std::string(R"({"alg":"EdDSA","kid":"k1",)") + extra + "}";
    EXPECT_EQ(refusal(signed_token(header, good_payload())), Errc::kForbiddenHeader) << extra;
  }
}

TEST_F(JwtAttack, UnexpectedTypIsRefused) {
  EXPECT_EQ(refusal(signed_token(R"({"alg":"EdDSA","kid":"k1","typ":"JWE"})", good_payload())),
            Errc::kBadType);
  EXPECT_TRUE(verify(keys_, signed_token(R"({"alg":"EdDSA","kid":"k1","typ":"JWT"})",
                                         good_payload()), access_options(), kNow).ok());
}

TEST_F(JwtAttack, ExpiredTokenIsRefused) {
  const Claims c = access_claims();
  EXPECT_EQ(refusal(signed_token(kHeader, good_payload()), access_options(), c.expires_at + 31),
            Errc::kExpired);
}

TEST_F(JwtAttack, NotYetValidTokenIsRefused) {
  Claims c = access_claims();
  c.not_before = kNow + 120;
  EXPECT_EQ(refusal(signed_token(kHeader, payload_of(c))), Errc::kNotYetValid);
}

TEST_F(JwtAttack, TokenIssuedInTheFutureIsRefused) {
  Claims c = access_claims();
  c.issued_at = kNow + 100;
  c.expires_at = kNow + 200;
  EXPECT_EQ(refusal(signed_token(kHeader, payload_of(c))), Errc::kNotYetValid);
}

TEST_F(JwtAttack, WrongAudienceIsRefused) {
  Claims c = access_claims();
  c.audience = {"breakwater-relay-2", "other"};
  EXPECT_EQ(refusal(signed_token(kHeader, payload_of(c))), Errc::kWrongAudience);
}

TEST_F(JwtAttack, WrongIssuerIsRefused) {
  Claims c = access_claims();
  c.issuer = "https://evil.test";
  EXPECT_EQ(refusal(signed_token(kHeader, payload_of(c))), Errc::kWrongIssuer);
}

TEST_F(JwtAttack, TamperedPayloadIsRefused) {
  const std::string token = signed_token(kHeader, good_payload());
  Claims admin = access_claims();
  admin.role = "owner";
  const std::string forged_payload = crypto::base64url_encode(as_bytes(payload_of(admin)));
  const auto first = token.find('.');
  const auto second = token.rfind('.');
  EXPECT_EQ(refusal(token.substr(0, first + 1) + forged_payload + token.substr(second)),
            Errc::kBadSignature);
}

TEST_F(JwtAttack, TamperedHeaderIsRefused) {
  const std::string token = signed_token(kHeader, good_payload());
  const std::string other =
      crypto::base64url_encode(as_bytes(R"({"alg":"EdDSA","kid":"k1","typ":"JWT"})"));
  EXPECT_EQ(refusal(other + token.substr(token.find('.'))), Errc::kBadSignature);
}

TEST_F(JwtAttack, TruncatedSignatureIsRefused) {
  const std::string token = signed_token(kHeader, good_payload());
  EXPECT_EQ(refusal(token.substr(0, token.size() - 1)), Errc::kMalformed);
  EXPECT_EQ(refusal(token.substr(0, token.size() - 4)), Errc::kMalformed);
  EXPECT_EQ(refusal(token.substr(0, token.rfind('.') + 1)), Errc::kMalformed);
}

TEST_F(JwtAttack, SignatureOfAnotherKeyIsRefused) {
  const SigningKey other = key_from_byte("k1", 0x77);  // same kid, different key
  EXPECT_EQ(refusal(forge(other, kHeader, good_payload())), Errc::kBadSignature);
}

TEST_F(JwtAttack, FlippedSignatureBitIsRefused) {
  std::string token = signed_token(kHeader, good_payload());
  char& c = token[token.rfind('.') + 5];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(refusal(token), Errc::kBadSignature);
}

TEST_F(JwtAttack, ExtraOrMissingPartsAreRefused) {
  const std::string token = signed_token(kHeader, good_payload());
  const std::string two_parts = token.substr(0, token.rfind('.'));
  for (const std::string& bad : {token + ".", token + ".AAAA", two_parts, std::string(""),
                                 std::string(".."), "." + token}) {
    EXPECT_EQ(refusal(bad), Errc::kMalformed) << bad;
  }
}

TEST_F(JwtAttack, PaddingAndNonBase64UrlCharactersAreRefused) {
  const std::string token = signed_token(kHeader, good_payload());
  const auto first = token.find('.');
  const std::string header_b64 = token.substr(0, first);
  const std::string rest = token.substr(first);
  for (const std::string& bad :
       {token + "=", token + "==", header_b64 + "=" + rest, " " + token, token + "\n",
        header_b64.substr(0, 4) + "+" + header_b64.substr(5) + rest,
        header_b64.substr(0, 4) + "/" + header_b64.substr(5) + rest,
        header_b64.substr(0, 4) + "%" + header_b64.substr(5) + rest}) {
    EXPECT_EQ(refusal(bad), Errc::kMalformed) << bad;
  }
}

TEST_F(JwtAttack, NonCanonicalBase64UrlIsRefused) {
  // The signature's last character carries 2 unused bits; setting one is a second encoding.
  std::string token = signed_token(kHeader, good_payload());
  char& last = token.back();
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  last = alphabet[alphabet.find(last) | 1];
  EXPECT_EQ(refusal(token), Errc::kMalformed);
}

TEST_F(JwtAttack, DuplicateClaimKeysAreRefused) {
  std::string payload = good_payload();
  payload.insert(1, R"("role":"owner",)");
  EXPECT_EQ(refusal(signed_token(kHeader, payload)), Errc::kDuplicateKey);
}

TEST_F(JwtAttack, DuplicateHeaderKeysAreRefused) {
  EXPECT_EQ(refusal(signed_token(R"({"alg":"EdDSA","kid":"k1","kid":"k2"})", good_payload())),
            Errc::kDuplicateKey);
}

TEST_F(JwtAttack, HugeTokenIsRefused) {
  Claims c = access_claims();
  const std::string padded =
      good_payload().insert(1, R"("pad":")" + std::string(kMaxTokenSize, 'a') + R"(",)");
  EXPECT_EQ(refusal(signed_token(kHeader, padded)), Errc::kTooLarge);
  EXPECT_EQ(refusal(std::string(1 << 20, 'A')), Errc::kTooLarge);
}

TEST_F(JwtAttack, NonIntegerTimesAreRefused) {
  const std::string payload = good_payload();
  const auto exp_at = payload.find(R"("exp":)");
  ASSERT_NE(exp_at, std::string::npos);
  const auto end = payload.find_first_of(",}", exp_at);
  for (const char* exp : {R"("1700000290")", "1700000290.0", "1.70000029e9", "-1",
                          "18446744073709551616", "99999999999999", "true", "null"}) {
    std::string bad = payload;
    bad.replace(exp_at, end - exp_at, std::string(R"("exp":)") + exp);
    EXPECT_EQ(refusal(signed_token(kHeader, bad)), Errc::kInvalidClaim) << exp;
  }
}

TEST_F(JwtAttack, LifetimeLongerThanAllowedIsRefused) {
  Claims c = access_claims();
  c.expires_at = c.issued_at + 301;
  EXPECT_EQ(refusal(signed_token(kHeader, payload_of(c))), Errc::kLifetimeTooLong);
  c.expires_at = c.issued_at + 365 * 86400;
  EXPECT_EQ(refusal(signed_token(kHeader, payload_of(c))), Errc::kLifetimeTooLong);
  Claims a = assertion_claims();
  a.expires_at = a.issued_at + 601;
  EXPECT_EQ(refusal(signed_token(kHeader, payload_of(a)), assertion_options()),
            Errc::kLifetimeTooLong);
}

TEST_F(JwtAttack, DeviceAssertionIsNotAnAccessToken) {
  EXPECT_EQ(refusal(signed_token(kHeader, payload_of(assertion_claims()))),
            Errc::kWrongTokenKind);
  EXPECT_EQ(refusal(signed_token(kHeader, good_payload()), assertion_options()),
            Errc::kWrongTokenKind);
}

TEST_F(JwtAttack, MissingOrMistypedClaimsAreRefused) {
  for (const char* name : {"iss", "aud", "sub", "tid", "role", "jti", "iat", "exp", "sid"}) {
    nlohmann::json payload = detail::claims_to_json(access_claims());
    payload.erase(name);
    EXPECT_EQ(refusal(signed_token(kHeader, payload.dump())), Errc::kInvalidClaim) << name;
    payload[name] = nlohmann::json::object();
    EXPECT_EQ(refusal(signed_token(kHeader, payload.dump())), Errc::kInvalidClaim) << name;
  }
}

TEST_F(JwtAttack, NonObjectOrNonJsonPartsAreRefused) {
  for (const char* payload : {"[]", "\"x\"", "{", "{}x", "\xEF\xBB\xBF{}", " {}", "{\"a\":1}//",
                              "{\"a\":[[[[[[1]]]]]]}"}) {
    const Errc code = refusal(signed_token(kHeader, payload));
    EXPECT_TRUE(code == Errc::kMalformed || code == Errc::kInvalidClaim) << payload;
  }
  EXPECT_EQ(refusal(signed_token("[]", good_payload())), Errc::kMalformed);
  EXPECT_EQ(refusal(signed_token("{\"alg\":\"EdDSA\",\"kid\":\"k1\"", good_payload())),
            Errc::kMalformed);
}

TEST_F(JwtAttack, ErrorMessagesNeverEchoTheToken) {
  Claims c = access_claims();
  c.issuer = "SECRET-MARKER";
  auto claims = verify(keys_, signed_token(kHeader, payload_of(c)), access_options(), kNow);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().message.find("SECRET-MARKER"), std::string::npos);
  auto kid = verify(keys_, signed_token(R"({"alg":"EdDSA","kid":"MARKERKID"})", good_payload()),
                    access_options(), kNow);
  ASSERT_FALSE(kid.ok());
  EXPECT_EQ(kid.error().message.find("MARKERKID"), std::string::npos);
}

}  // namespace
}  // namespace bw::jwt
