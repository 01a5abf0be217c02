// KeySet: rotation (a previous key verifies until removed), kid syntax, and strict JWKS
// export/import.
#include <string>

#include <gtest/gtest.h>

#include "bw/crypto/base64url.hpp"
#include "bw/jwt/jwt.hpp"
#include "test_keys.hpp"

namespace bw::jwt {
namespace {

using namespace bw::jwt::testing;

std::string token_by(const SigningKey& key) {
  auto token = sign(key, access_claims(), TokenKind::kAccess);
  EXPECT_TRUE(token.ok());
  return std::move(token).value();
}

TEST(KeySet, PreviousKeyVerifiesUntilRemoved) {
  KeySet keys = key_set();
  const std::string old_token = token_by(*keys.signing_key());
  ASSERT_TRUE(keys.rotate_to(key_from_byte("k2", 0x02)).ok());
  EXPECT_EQ(keys.signing_key()->kid(), "k2");
  EXPECT_TRUE(verify(keys, old_token, access_options(), kNow).ok());
  EXPECT_TRUE(verify(keys, token_by(*keys.signing_key()), access_options(), kNow).ok());

  ASSERT_TRUE(keys.remove("k1"));
  auto refused = verify(keys, old_token, access_options(), kNow);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(has_code(refused.error(), Errc::kUnknownKid));
  EXPECT_FALSE(keys.remove("k1"));
}

TEST(KeySet, RemovingTheCurrentKeyLeavesNoSigningKey) {
  KeySet keys = key_set();
  ASSERT_TRUE(keys.remove("k1"));
  EXPECT_EQ(keys.signing_key(), nullptr);
  EXPECT_TRUE(keys.keys().empty());
}

TEST(KeySet, RefusesDuplicateKids) {
  KeySet keys = key_set();
  EXPECT_FALSE(keys.rotate_to(key_from_byte("k1", 0x03)).ok());
  EXPECT_FALSE(keys.add_verification_key("k1", key_from_byte("x", 0x04).public_key()).ok());
}

TEST(KeySet, KidSyntax) {
  EXPECT_TRUE(valid_kid("2026-11_key-A"));
  EXPECT_TRUE(valid_kid(std::string(64, 'a')));
  EXPECT_FALSE(valid_kid(std::string(65, 'a')));
  EXPECT_FALSE(valid_kid(""));
  EXPECT_FALSE(valid_kid("../../x"));
  EXPECT_FALSE(valid_kid("a/b"));
  EXPECT_FALSE(valid_kid("a b"));
  EXPECT_FALSE(valid_kid(std::string("a\0b", 3)));
  EXPECT_FALSE(SigningKey::generate("../etc/passwd").ok());
}

TEST(KeySet, SigningKeyNeedsA32ByteSeed) {
  EXPECT_FALSE(SigningKey::from_seed("k", Bytes(31, 1)).ok());
  EXPECT_FALSE(SigningKey::from_seed("k", Bytes(33, 1)).ok());
  EXPECT_TRUE(SigningKey::generate("fresh").ok());
}

TEST(KeySet, JwksRoundTripVerifiesTheSameTokens) {
  KeySet keys = key_set();
  const std::string old_token = token_by(*keys.signing_key());
  ASSERT_TRUE(keys.rotate_to(key_from_byte("k2", 0x02)).ok());
  const std::string jwks = keys.to_jwks();

  auto imported = KeySet::from_jwks(jwks);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->signing_key(), nullptr);
  ASSERT_EQ(imported->keys().size(), 2u);
  EXPECT_EQ(imported->keys()[0].kid, "k2");
  EXPECT_EQ(imported->to_jwks(), jwks);
  EXPECT_TRUE(verify(imported.value(), old_token, access_options(), kNow).ok());
  EXPECT_TRUE(verify(imported.value(), token_by(*keys.signing_key()), access_options(), kNow).ok());
}

TEST(KeySet, JwksExportIsRfc8037OkpWithoutPrivateKey) {
  const KeySet keys = key_set();
  const std::string x = crypto::base64url_encode(keys.signing_key()->public_key());
  EXPECT_EQ(keys.to_jwks(), R"({"keys":[{"alg":"EdDSA","crv":"Ed25519","kid":"k1","kty":"OKP","use":"sig","x":")" +
                                x + R"("}]})");
  EXPECT_EQ(keys.to_jwks().find("\"d\""), std::string::npos);
}

TEST(KeySet, JwksImportIsStrict) {
  const std::string x = crypto::base64url_encode(key_from_byte("k", 0x05).public_key());
  const std::string good = R"({"kty":"OKP","crv":"Ed25519","x":")" + x + R"(","kid":"k"})";
  EXPECT_TRUE(KeySet::from_jwks(R"({"keys":[)" + good + "]}").ok());
  EXPECT_TRUE(KeySet::from_jwks(R"({"keys":[]})").ok());

  const std::string refused[] = {
      R"({"keys":[{"kty":"EC","crv":"Ed25519","x":")" + x + R"(","kid":"k"}]})",
      R"({"keys":[{"kty":"OKP","crv":"X25519","x":")" + x + R"(","kid":"k"}]})",
      R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")" + x + R"(","kid":"k","d":")" + x + R"("}]})",
      R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")" + x + R"(","kid":"k","alg":"ES256"}]})",
      R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")" + x + R"(","kid":"k","use":"enc"}]})",
      R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")" + x + R"(","kid":"k","x5u":"http://a"}]})",
      R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")" + x + R"(","kid":"../k"}]})",
      R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")" + x + R"("}]})",
      R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"k"}]})",
      R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":")" + x + R"(=","kid":"k"}]})",
      R"({"keys":[)" + good + "," + good + "]}",  // duplicate kid
      R"({"keys":[]},"other":1})",
      R"({"keys":{}})",
      R"({"keys":[],"extra":1})",
      "[]",
      "",
      " {\"keys\":[]}",
  };
  for (const auto& text : refused) {
    EXPECT_FALSE(KeySet::from_jwks(text).ok()) << text;
  }
}

TEST(KeySet, JwksImportRefusesDuplicateMembers) {
  auto set = KeySet::from_jwks(R"({"keys":[],"keys":[]})");
  ASSERT_FALSE(set.ok());
  EXPECT_TRUE(has_code(set.error(), Errc::kDuplicateKey));
}

TEST(KeySet, JwksImportRefusesHugeInput) {
  auto set = KeySet::from_jwks(R"({"keys":[)" + std::string(kMaxJwksSize, ' ') + "]}");
  ASSERT_FALSE(set.ok());
  EXPECT_TRUE(has_code(set.error(), Errc::kTooLarge));
}

}  // namespace
}  // namespace bw::jwt
