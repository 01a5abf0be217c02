// The claim set of a Breakwater JWT, typed. Two kinds of token share it (DESIGN §2):
//  - access tokens (typ "at+jwt", at most 5 minutes): iss, aud, sub (user), tid (tenant),
//    role, sid (session), iat, exp, jti, optional nbf; no dev, no cnf;
//  - device assertions (typ "JWT", at most 10 minutes): the same plus dev (device id) and
//    cnf {"jkt": base64url(SHA-256(raw client pairing public key))}; sid optional.
// Note: cnf.jkt here is the SHA-256 of the raw pairing key bytes, as DESIGN §2 defines the
// assertion, not an RFC 7638 JWK thumbprint; a verifier that assumed RFC 7638 would fail
// closed (digests differ), never open.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bw/crypto/sha256.hpp"

namespace bw::jwt {

enum class TokenKind { kAccess, kDeviceAssertion };

inline constexpr std::chrono::seconds kMaxAccessLifetime{300};
inline constexpr std::chrono::seconds kMaxAssertionLifetime{600};

// The longest exp - iat a token of kind may have.
constexpr std::chrono::seconds max_lifetime(TokenKind kind) {
  return kind == TokenKind::kAccess ? kMaxAccessLifetime : kMaxAssertionLifetime;
}

// Times are whole seconds since the Unix epoch, 0..kMaxTime (end of year 9999).
inline constexpr std::int64_t kMaxTime = 253402300799;

// The authentication-method values an amr claim may hold (RFC 8176 names).
inline constexpr const char* kAuthMethods[] = {"pwd", "otp", "rec"};

struct Claims {
  std::string issuer;                  // iss
  std::vector<std::string> audience;   // aud: one (sent as a string) to 8 (sent as an array)
  std::string subject;                 // sub: the user id
  std::string tenant;                  // tid
  std::string role;                    // role: owner, admin, member or viewer
  std::optional<std::string> session;  // sid: required in access tokens
  std::optional<std::string> device;   // dev: required in device assertions, else absent
  // cnf.jkt: SHA-256 of the client pairing key; required in device assertions, else absent.
  std::optional<crypto::Sha256Digest> confirmation_key_sha256;
  std::string token_id;                // jti
  std::int64_t issued_at = 0;          // iat
  std::optional<std::int64_t> not_before;  // nbf
  std::int64_t expires_at = 0;         // exp
  // rev: the user's revocation epoch when the token was issued (DESIGN §2); a verifier
  // refuses the token once the user's current epoch is higher. Access tokens only.
  std::optional<std::int64_t> revocation_epoch;
  // amr (RFC 8176): how the session was authenticated, e.g. {"pwd"} or {"pwd", "otp"};
  // at most 4 entries from kAuthMethods. Access tokens only.
  std::vector<std::string> auth_methods;

  friend bool operator==(const Claims&, const Claims&) = default;
};

}  // namespace bw::jwt
