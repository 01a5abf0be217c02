// Signing and verifying Breakwater JWTs: JWS compact serialization, Ed25519 ("EdDSA") only.
// verify() accepts a token only if, in this order:
//  1. it is at most kMaxTokenSize bytes and exactly three strict base64url parts;
//  2. its header is a JSON object without duplicate names whose alg is exactly "EdDSA",
//     with a well-formed kid, typ absent or "JWT"/"at+jwt", and no other parameter
//     (jku, x5u, jwk, x5c, x5t, crit, b64 and unknown ones are refused);
//  3. the kid is in the KeySet and the 64-byte signature verifies under its key;
//  4. only then is the payload parsed: a JSON object without duplicate names whose claims
//     have the types and shapes of claims.hpp for the expected kind, integer times only;
//  5. exp - iat is positive and at most the kind's maximum lifetime, now < exp + leeway,
//     iat and nbf <= now + leeway, iss equals the expected issuer and aud contains the
//     expected audience.
// Failures are values (bw::Error with a jwt::Errc code); nothing here throws or logs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bw/jwt/claims.hpp"
#include "bw/jwt/errors.hpp"
#include "bw/jwt/key_set.hpp"
#include "bw/result.hpp"

namespace bw::jwt {

inline constexpr std::size_t kMaxTokenSize = 8 * 1024;
inline constexpr std::chrono::seconds kDefaultLeeway{30};
inline constexpr std::chrono::seconds kMaxLeeway{60};

struct VerifyOptions {
  std::string issuer;    // iss must equal this
  std::string audience;  // aud must contain this
  TokenKind kind = TokenKind::kAccess;
  std::chrono::seconds leeway = kDefaultLeeway;  // 0..kMaxLeeway
};

// The compact JWS of claims, signed by key, with header {"alg":"EdDSA","kid":...,"typ":...}
// (typ "at+jwt" for access tokens, "JWT" for device assertions). The claims are checked as
// verify() would check them (shape for kind, lifetime), so no unverifiable token is minted.
// Errors: kInvalidClaim / kWrongTokenKind / kLifetimeTooLong for such claims; kInternal.
Result<std::string> sign(const SigningKey& key, const Claims& claims, TokenKind kind);

// The claims of token if it passes every check above at time now (Unix seconds).
// Errors: the first failing check's Errc; kInvalidArgument for options out of range.
Result<Claims> verify(const KeySet& keys, std::string_view token, const VerifyOptions& options,
                      std::int64_t now);

}  // namespace bw::jwt
