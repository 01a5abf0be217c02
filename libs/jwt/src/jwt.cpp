#include "bw/jwt/jwt.hpp"

#include <utility>

#include "bw/crypto/ed25519.hpp"
#include "claims_json.hpp"
#include "jws.hpp"
#include "strict_json.hpp"

namespace bw::jwt {
namespace {

// Step 5 of verify(): the time, issuer and audience checks on well-shaped claims.
Status check_validity(const Claims& claims, const VerifyOptions& options, std::int64_t now) {
  const std::int64_t leeway = options.leeway.count();
  if (now >= claims.expires_at + leeway) return make_error(Errc::kExpired);
  if (claims.issued_at > now + leeway) return make_error(Errc::kNotYetValid);
  if (claims.not_before && *claims.not_before > now + leeway) {
    return make_error(Errc::kNotYetValid);
  }
  if (claims.issuer != options.issuer) return make_error(Errc::kWrongIssuer);
  for (const auto& audience : claims.audience) {
    if (audience == options.audience) return {};
  }
  return make_error(Errc::kWrongAudience);
}

}  // namespace

Result<std::string> sign(const SigningKey& key, const Claims& claims, TokenKind kind) {
  if (auto shape = detail::check_claims(claims, kind); !shape) return shape.error();
  const char* header = kind == TokenKind::kAccess
                           ? R"({"alg":"EdDSA","kid":"%","typ":"at+jwt"})"
                           : R"({"alg":"EdDSA","kid":"%","typ":"JWT"})";
  std::string header_json(header);
  header_json.replace(header_json.find('%'), 1, key.kid());  // kid is [A-Za-z0-9_-] only
  const std::string payload = detail::claims_to_json(claims).dump();
  return detail::sign_compact(key, header_json, as_bytes(payload));
}

Result<Claims> verify(const KeySet& keys, std::string_view token, const VerifyOptions& options,
                      std::int64_t now) {
  if (options.leeway.count() < 0 || options.leeway > kMaxLeeway || now < 0 || now > kMaxTime ||
      options.issuer.empty() || options.audience.empty()) {
    return make_error(Errc::kInvalidArgument);
  }
  auto parts = detail::split_compact(token);
  if (!parts) return parts.error();
  auto kid = detail::check_header(parts->header);
  if (!kid) return kid.error();
  if (parts->signature.size() != crypto::kEd25519SignatureSize) {
    return make_error(Errc::kMalformed);
  }
  const crypto::Ed25519PublicKey* public_key = keys.find(kid.value());
  if (public_key == nullptr) return make_error(Errc::kUnknownKid);
  if (!crypto::ed25519_verify(*public_key, as_bytes(parts->signing_input), parts->signature)) {
    return make_error(Errc::kBadSignature);
  }
  auto payload = detail::parse_strict_object(to_string(parts->payload));
  if (!payload) return payload.error();
  auto claims = detail::claims_from_json(payload.value(), options.kind);
  if (!claims) return claims.error();
  if (auto valid = check_validity(claims.value(), options, now); !valid) return valid.error();
  return claims;
}

}  // namespace bw::jwt
