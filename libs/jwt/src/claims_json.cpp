#include "claims_json.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bw/crypto/base64url.hpp"
#include "bw/jwt/errors.hpp"

namespace bw::jwt::detail {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxClaimLength = 256;
constexpr std::size_t kMaxAudiences = 8;

bool valid_text(std::string_view text) {
  if (text.empty() || text.size() > kMaxClaimLength) return false;
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool valid_role(std::string_view role) {
  return role == "owner" || role == "admin" || role == "member" || role == "viewer";
}

bool valid_time(std::int64_t t) { return t >= 0 && t <= kMaxTime; }

Error invalid() { return make_error(Errc::kInvalidClaim); }

// The string member name of payload: nullopt and ok if absent, an error if not a string.
Result<std::optional<std::string>> optional_string(const json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end()) return std::optional<std::string>{};
  if (!it->is_string()) return invalid();
  return std::optional<std::string>{it->get<std::string>()};
}

Result<std::string> required_string(const json& payload, const char* name) {
  auto value = optional_string(payload, name);
  if (!value) return value.error();
  if (!value->has_value()) return invalid();
  return std::move(**value);
}

// An integer time: no floats, strings, negatives or values past kMaxTime.
Result<std::optional<std::int64_t>> optional_time(const json& payload, const char* name) {
  const auto it = payload.find(name);
  if (it == payload.end()) return std::optional<std::int64_t>{};
  if (it->is_number_unsigned()) {
    const auto value = it->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(kMaxTime)) return invalid();
    return std::optional<std::int64_t>{static_cast<std::int64_t>(value)};
  }
  return invalid();
}

Result<std::int64_t> required_time(const json& payload, const char* name) {
  auto value = optional_time(payload, name);
  if (!value) return value.error();
  if (!value->has_value()) return invalid();
  return **value;
}

Result<std::vector<std::string>> read_audience(const json& payload) {
  const auto it = payload.find("aud");
  if (it == payload.end()) return invalid();
  if (it->is_string()) return std::vector<std::string>{it->get<std::string>()};
  if (!it->is_array()) return invalid();
  std::vector<std::string> audience;
  for (const auto& entry : *it) {
    if (!entry.is_string()) return invalid();
    audience.push_back(entry.get<std::string>());
  }
  return audience;
}

// cnf: exactly {"jkt": base64url of 32 bytes}.
Result<std::optional<crypto::Sha256Digest>> read_confirmation(const json& payload) {
  const auto it = payload.find("cnf");
  if (it == payload.end()) return std::optional<crypto::Sha256Digest>{};
  if (!it->is_object() || it->size() != 1) return invalid();
  const auto jkt = it->find("jkt");
  if (jkt == it->end() || !jkt->is_string()) return invalid();
  auto bytes = crypto::base64url_decode(jkt->get_ref<const std::string&>());
  if (!bytes || bytes->size() != crypto::kSha256Size) return invalid();
  crypto::Sha256Digest digest{};
  std::copy(bytes->begin(), bytes->end(), digest.begin());
  return std::optional<crypto::Sha256Digest>{digest};
}

// amr: an array of 1..4 distinct names from kAuthMethods; absent → empty.
Result<std::vector<std::string>> read_auth_methods(const json& payload) {
  const auto it = payload.find("amr");
  if (it == payload.end()) return std::vector<std::string>{};
  if (!it->is_array()) return invalid();
  std::vector<std::string> methods;
  for (const auto& entry : *it) {
    if (!entry.is_string()) return invalid();
    methods.push_back(entry.get<std::string>());
  }
  return methods;
}

bool valid_auth_methods(const std::vector<std::string>& methods) {
  if (methods.size() > std::size(kAuthMethods)) return false;
  for (std::size_t i = 0; i < methods.size(); ++i) {
    if (std::find_if(std::begin(kAuthMethods), std::end(kAuthMethods),
                     [&](const char* m) { return methods[i] == m; }) == std::end(kAuthMethods)) {
      return false;
    }
    if (std::find(methods.begin(), methods.begin() + static_cast<std::ptrdiff_t>(i), methods[i]) !=
        methods.begin() + static_cast<std::ptrdiff_t>(i)) {
      return false;
    }
  }
  return true;
}

Status check_kind(const Claims& claims, TokenKind kind) {
  const bool assertion_fields = claims.device || claims.confirmation_key_sha256;
  const bool access_fields = claims.revocation_epoch || !claims.auth_methods.empty();
  if (kind == TokenKind::kAccess) {
    if (assertion_fields) return make_error(Errc::kWrongTokenKind);
    if (!claims.session) return invalid();
  } else if (!claims.device || !claims.confirmation_key_sha256 || access_fields) {
    return make_error(Errc::kWrongTokenKind);
  }
  return {};
}

}  // namespace

Status check_claims(const Claims& claims, TokenKind kind) {
  for (const std::string* text : {&claims.issuer, &claims.subject, &claims.tenant,
                                  &claims.role, &claims.token_id}) {
    if (!valid_text(*text)) return invalid();
  }
  if (!valid_role(claims.role)) return invalid();
  if (claims.audience.empty() || claims.audience.size() > kMaxAudiences) return invalid();
  for (const auto& audience : claims.audience) {
    if (!valid_text(audience)) return invalid();
  }
  if ((claims.session && !valid_text(*claims.session)) ||
      (claims.device && !valid_text(*claims.device))) {
    return invalid();
  }
  if (!valid_time(claims.issued_at) || !valid_time(claims.expires_at) ||
      (claims.not_before && !valid_time(*claims.not_before))) {
    return invalid();
  }
  if (claims.revocation_epoch && (*claims.revocation_epoch < 0 || *claims.revocation_epoch > kMaxTime)) {
    return invalid();
  }
  if (!valid_auth_methods(claims.auth_methods)) return invalid();
  if (auto kind_ok = check_kind(claims, kind); !kind_ok) return kind_ok;
  if (claims.expires_at <= claims.issued_at) return invalid();
  if (claims.expires_at - claims.issued_at > max_lifetime(kind).count()) {
    return make_error(Errc::kLifetimeTooLong);
  }
  return {};
}

Result<Claims> claims_from_json(const json& payload, TokenKind kind) {
  Claims claims;
  auto iss = required_string(payload, "iss");
  auto sub = required_string(payload, "sub");
  auto tid = required_string(payload, "tid");
  auto role = required_string(payload, "role");
  auto jti = required_string(payload, "jti");
  auto sid = optional_string(payload, "sid");
  auto dev = optional_string(payload, "dev");
  auto aud = read_audience(payload);
  auto cnf = read_confirmation(payload);
  auto iat = required_time(payload, "iat");
  auto exp = required_time(payload, "exp");
  auto nbf = optional_time(payload, "nbf");
  auto rev = optional_time(payload, "rev");  // same shape: a non-negative integer ≤ kMaxTime
  auto amr = read_auth_methods(payload);
  if (!iss || !sub || !tid || !role || !jti || !sid || !dev || !aud || !cnf || !iat || !exp ||
      !nbf || !rev || !amr) {
    return invalid();
  }
  claims.issuer = std::move(iss).value();
  claims.subject = std::move(sub).value();
  claims.tenant = std::move(tid).value();
  claims.role = std::move(role).value();
  claims.token_id = std::move(jti).value();
  claims.session = std::move(sid).value();
  claims.device = std::move(dev).value();
  claims.audience = std::move(aud).value();
  claims.confirmation_key_sha256 = cnf.value();
  claims.issued_at = iat.value();
  claims.expires_at = exp.value();
  claims.not_before = nbf.value();
  claims.revocation_epoch = rev.value();
  claims.auth_methods = std::move(amr).value();
  if (auto shape = check_claims(claims, kind); !shape) return shape.error();
  return claims;
}

json claims_to_json(const Claims& claims) {
  json payload = json::object();
  payload["iss"] = claims.issuer;
  if (claims.audience.size() == 1) {
    payload["aud"] = claims.audience.front();
  } else {
    payload["aud"] = claims.audience;
  }
  payload["sub"] = claims.subject;
  payload["tid"] = claims.tenant;
  payload["role"] = claims.role;
  if (claims.session) payload["sid"] = *claims.session;
  if (claims.device) payload["dev"] = *claims.device;
  if (claims.confirmation_key_sha256) {
    payload["cnf"] = {{"jkt", crypto::base64url_encode(*claims.confirmation_key_sha256)}};
  }
  payload["jti"] = claims.token_id;
  payload["iat"] = claims.issued_at;
  if (claims.not_before) payload["nbf"] = *claims.not_before;
  payload["exp"] = claims.expires_at;
  if (claims.revocation_epoch) payload["rev"] = *claims.revocation_epoch;
  if (!claims.auth_methods.empty()) payload["amr"] = claims.auth_methods;
  return payload;
}

}  // namespace bw::jwt::detail
