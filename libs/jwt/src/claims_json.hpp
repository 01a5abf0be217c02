// Claims <-> JSON, and the shape rules every Breakwater token obeys whichever side it is on:
// string claims are 1..256 printable ASCII characters, role is one of the four roles, aud has
// 1..8 entries, times are integers in 0..kMaxTime with exp > iat and exp - iat at most the
// kind's lifetime, and the kind's fields are present (access: sid; device assertion: dev and
// cnf.jkt) or absent (access: no dev, no cnf). Unknown claims are ignored.
#pragma once

#include <nlohmann/json.hpp>

#include "bw/jwt/claims.hpp"
#include "bw/result.hpp"

namespace bw::jwt::detail {

// Ok if claims obey the shape rules for kind. Errors: kInvalidClaim, kWrongTokenKind,
// kLifetimeTooLong.
Status check_claims(const Claims& claims, TokenKind kind);

// The claims of a parsed payload object, checked with check_claims. Errors: as check_claims.
Result<Claims> claims_from_json(const nlohmann::json& payload, TokenKind kind);

// The payload object for claims (which must pass check_claims: its strings are ASCII).
nlohmann::json claims_to_json(const Claims& claims);

}  // namespace bw::jwt::detail
