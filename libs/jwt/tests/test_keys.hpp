// Shared test fixtures: fixed keys, a valid claim set at a fixed time, and a signer of
// arbitrary header/payload text for hostile tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "bw/bytes.hpp"
#include "bw/crypto/sha256.hpp"
#include "bw/jwt/jwt.hpp"
#include "claims_json.hpp"
#include "jws.hpp"

namespace bw::jwt::testing {

inline constexpr std::int64_t kNow = 1'700'000'000;
inline constexpr const char* kIssuer = "https://auth.breakwater.test";
inline constexpr const char* kAudience = "breakwater-relay";

inline SigningKey key_from_byte(const char* kid, std::uint8_t fill) {
  const Bytes seed(32, fill);
  auto key = SigningKey::from_seed(kid, seed);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

inline Claims access_claims() {
  Claims c;
  c.issuer = kIssuer;
  c.audience = {kAudience};
  c.subject = "user-7f3a";
  c.tenant = "tenant-42";
  c.role = "member";
  c.session = "sess-1";
  c.token_id = "jti-0001";
  c.issued_at = kNow - 10;
  c.expires_at = kNow - 10 + 300;
  return c;
}

inline Claims assertion_claims() {
  Claims c = access_claims();
  c.session.reset();
  c.device = "device-9";
  c.confirmation_key_sha256 = crypto::sha256(as_bytes("client pairing key"));
  c.expires_at = c.issued_at + 600;
  return c;
}

inline VerifyOptions access_options() {
  return VerifyOptions{.issuer = kIssuer, .audience = kAudience, .kind = TokenKind::kAccess};
}

inline VerifyOptions assertion_options() {
  return VerifyOptions{.issuer = kIssuer, .audience = kAudience,
                       .kind = TokenKind::kDeviceAssertion};
}

// A KeySet whose current signing key is kid "k1" (seed 0x01 * 32).
inline KeySet key_set() {
  KeySet keys;
  EXPECT_TRUE(keys.rotate_to(key_from_byte("k1", 0x01)).ok());
  return keys;
}

// header_json and payload_json signed, as-is, by key.
inline std::string forge(const SigningKey& key, std::string_view header_json,
                         std::string_view payload_json) {
  auto token = detail::sign_compact(key, header_json, as_bytes(payload_json));
  EXPECT_TRUE(token.ok());
  return std::move(token).value();
}

inline std::string payload_of(const Claims& claims) {
  return detail::claims_to_json(claims).dump();
}

}  // namespace bw::jwt::testing
