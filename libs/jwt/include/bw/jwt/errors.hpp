// The reasons bw::jwt refuses a token, a claim set or a key set, as stable numeric codes in
// bw::Error::code. Callers may persist, count or compare them; the numbers never change.
// Messages are fixed texts chosen by this library: they never echo the token, a header or
// claim value taken from it, or any key material.
#pragma once

#include <string_view>

#include "bw/result.hpp"

namespace bw::jwt {

enum class Errc : int {
  kMalformed = 1,          // not three strict base64url parts, not a JSON object, bad JSON
  kTooLarge = 2,           // token above kMaxTokenSize (or JWKS above its bound)
  kBadAlg = 3,             // alg missing or anything but exactly "EdDSA"
  kForbiddenHeader = 4,    // jku, x5u, jwk, x5c, x5t, crit, b64 or any unknown header parameter
  kInvalidKid = 5,         // kid missing, not a string, or not 1..64 of [A-Za-z0-9_-]
  kUnknownKid = 6,         // kid well-formed but not in the key set
  kBadSignature = 7,       // Ed25519 signature does not verify under the kid's key
  kDuplicateKey = 8,       // a JSON object (header, claims, JWKS) repeats a member name
  kBadType = 9,            // typ present and not "JWT" or "at+jwt"
  kInvalidClaim = 10,      // a claim missing, of the wrong type or out of range
  kExpired = 11,           // now >= exp + leeway
  kNotYetValid = 12,       // nbf or iat later than now + leeway
  kWrongAudience = 13,     // aud does not contain the expected audience
  kWrongIssuer = 14,       // iss is not the expected issuer
  kLifetimeTooLong = 15,   // exp - iat above the kind's maximum lifetime
  kWrongTokenKind = 16,    // access token where a device assertion is expected, or vice versa
  kBadKeySet = 17,         // JWKS text or key set operation refused
  kInvalidArgument = 18,   // caller error: bad options, no signing key, claims not signable
  kInternal = 19,          // the crypto layer failed where it should not
};

// A short stable name for code ("malformed", "bad_alg", ...), for metrics labels and logs.
std::string_view errc_name(Errc code);

// The Error for code with this library's fixed message for it.
Error make_error(Errc code);

// True when error carries the given jwt code.
inline bool has_code(const Error& error, Errc code) { return error.code == static_cast<int>(code); }

}  // namespace bw::jwt
