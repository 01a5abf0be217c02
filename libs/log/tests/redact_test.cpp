#include "bw/log/redact.hpp"

#include <gtest/gtest.h>

namespace bw::log {
namespace {

TEST(Redact, SecretFieldNamesAreCaseInsensitive) {
  for (auto k : {"password", "Password", "new_password", "access_token", "AUTHORIZATION",
                 "cookie", "client_secret", "private_key", "signing_key", "key", "totp_code",
                 "recovery_codes", "seed", "api_key"}) {
    EXPECT_TRUE(is_secret_field(k)) << k;
  }
}

TEST(Redact, OrdinaryFieldNamesPass) {
  for (auto k : {"user", "tenant", "event", "port", "addr", "kid", "key_id", "keys_loaded",
                 "duration_ms", "path"}) {
    EXPECT_FALSE(is_secret_field(k)) << k;
  }
}

TEST(Redact, CredentialShapedValuesAreCaught) {
  EXPECT_TRUE(looks_secret("bwrt_AAAA"));
  EXPECT_TRUE(looks_secret("x bwpc_123 y"));
  EXPECT_TRUE(looks_secret("Authorization: Bearer xyz"));
  EXPECT_TRUE(looks_secret("-----BEGIN PRIVATE KEY-----\nMC4CAQ"));
  EXPECT_TRUE(looks_secret("token=eyJhbGciOiJFZERTQSJ9.eyJ4Ijox.sig"));
}

TEST(Redact, PlainValuesPass) {
  EXPECT_FALSE(looks_secret("127.0.0.1:7001"));
  EXPECT_FALSE(looks_secret("eyJ alone is no token"));
  EXPECT_FALSE(looks_secret("listening"));
  EXPECT_EQ(redact("addr", "127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(redact("password", ""), std::string(kRedacted));
}

}  // namespace
}  // namespace bw::log
