// RFC 8037 Appendix A: the Ed25519 key of A.1, the JWS of A.4 reproduced byte for byte, and
// its verification (A.5).
#include <gtest/gtest.h>

#include "bw/crypto/base64url.hpp"
#include "bw/crypto/ed25519.hpp"
#include "bw/jwt/jwt.hpp"
#include "jws.hpp"

namespace bw::jwt {
namespace {

constexpr const char* kD = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr const char* kX = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr const char* kSigningInput =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr const char* kJws =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

SigningKey rfc_key() {
  auto d = crypto::base64url_decode(kD);
  EXPECT_TRUE(d.ok());
  auto key = SigningKey::from_seed("rfc8037", d.value());
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

TEST(Rfc8037, PublicKeyOfA1) {
  EXPECT_EQ(crypto::base64url_encode(rfc_key().public_key()), kX);
}

TEST(Rfc8037, A4SigningReproducedByteForByte) {
  auto token = detail::sign_compact(rfc_key(), R"({"alg":"EdDSA"})",
                                    as_bytes("Example of Ed25519 signing"));
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token.value(), kJws);
  EXPECT_EQ(token->substr(0, token->rfind('.')), kSigningInput);
}

TEST(Rfc8037, A5VerificationOfTheRfcJws) {
  auto parts = detail::split_compact(kJws);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->signing_input, kSigningInput);
  EXPECT_EQ(to_string(parts->payload), "Example of Ed25519 signing");
  auto x = crypto::base64url_decode(kX);
  ASSERT_TRUE(x.ok());
  EXPECT_TRUE(crypto::ed25519_verify(x.value(), as_bytes(parts->signing_input), parts->signature));
}

TEST(Rfc8037, A5VerificationFailsForAFlippedSignatureBit) {
  auto parts = detail::split_compact(kJws);
  ASSERT_TRUE(parts.ok());
  parts->signature[10] ^= 0x01;
  auto x = crypto::base64url_decode(kX);
  ASSERT_TRUE(x.ok());
  EXPECT_FALSE(crypto::ed25519_verify(x.value(), as_bytes(parts->signing_input), parts->signature));
}

TEST(Rfc8037, JwtVerifierRefusesTheRfcJwsForItsMissingKid) {
  // The RFC example has no kid and a non-JSON payload: a valid JWS, but not a Breakwater JWT.
  KeySet keys;
  ASSERT_TRUE(keys.rotate_to(rfc_key()).ok());
  auto claims = verify(keys, kJws, VerifyOptions{.issuer = "i", .audience = "a"}, 1);
  ASSERT_FALSE(claims.ok());
  EXPECT_TRUE(has_code(claims.error(), Errc::kInvalidKid));
}

}  // namespace
}  // namespace bw::jwt
