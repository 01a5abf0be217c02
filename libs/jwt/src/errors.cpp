// Names and fixed messages for jwt::Errc. Messages name the rule that failed and nothing
// taken from the input.
#include "bw/jwt/errors.hpp"

#include <string>

namespace bw::jwt {
namespace {

struct Entry {
  std::string_view name;
  std::string_view message;
};

Entry entry(Errc code) {
  switch (code) {
    case Errc::kMalformed: return {"malformed", "token is not a well-formed compact JWS"};
    case Errc::kTooLarge: return {"too_large", "input exceeds the size bound"};
    case Errc::kBadAlg: return {"bad_alg", "alg is not EdDSA"};
    case Errc::kForbiddenHeader: return {"forbidden_header", "header carries a refused parameter"};
    case Errc::kInvalidKid: return {"invalid_kid", "kid is missing or not well-formed"};
    case Errc::kUnknownKid: return {"unknown_kid", "kid is not in the key set"};
    case Errc::kBadSignature: return {"bad_signature", "signature does not verify"};
    case Errc::kDuplicateKey: return {"duplicate_key", "JSON object repeats a member name"};
    case Errc::kBadType: return {"bad_typ", "typ is not JWT or at+jwt"};
    case Errc::kInvalidClaim: return {"invalid_claim", "a claim is missing, mistyped or out of range"};
    case Errc::kExpired: return {"expired", "token has expired"};
    case Errc::kNotYetValid: return {"not_yet_valid", "token is not yet valid"};
    case Errc::kWrongAudience: return {"wrong_audience", "audience does not match"};
    case Errc::kWrongIssuer: return {"wrong_issuer", "issuer does not match"};
    case Errc::kLifetimeTooLong: return {"lifetime_too_long", "token lifetime exceeds the maximum"};
    case Errc::kWrongTokenKind: return {"wrong_token_kind", "token is not of the expected kind"};
    case Errc::kBadKeySet: return {"bad_key_set", "key set refused"};
    case Errc::kInvalidArgument: return {"invalid_argument", "invalid argument"};
    case Errc::kInternal: return {"internal", "internal crypto failure"};
  }
  return {"unknown", "unknown error"};
}

}  // namespace

std::string_view errc_name(Errc code) { return entry(code).name; }

Error make_error(Errc code) {
  return Error{static_cast<int>(code), "jwt: " + std::string(entry(code).message)};
}

}  // namespace bw::jwt
