// Quota checks and key names (see quota.hpp).
#include "core/quota.hpp"

#include <algorithm>
#include <array>

#include "bw/crypto/hex.hpp"
#include "bw/redis/keys.hpp"
#include "core/request.hpp"

namespace bw::ratelimit {
namespace {

Error invalid(std::string reason) {
  return Error{static_cast<int>(RequestError::kInvalidArgument), "invalid request: " + std::move(reason)};
}

Result<std::string> key_or_invalid(Result<std::string> key) {
  if (!key) return invalid("cannot build a key: " + key.error().message);
  return key;
}

}  // namespace

Status validate_name(std::string_view field, std::string_view name) {
  if (name.empty() || name.size() > 32) return invalid(std::string(field) + " must have 1..32 characters");
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return invalid(std::string(field) + " may only hold a-z, 0-9 and _");
    }
  }
  return {};
}

Status validate_tenant(std::string_view tenant) {
  if (!tenant.empty() && tenant.size() != kTenantBytes) return invalid("tenant must be empty or 16 bytes");
  return {};
}

Status validate_subject_id(std::string_view field, std::string_view id) {
  if (id.empty() || id.size() > kMaxSubjectIdBytes) {
    return invalid(std::string(field) + " must have 1.." + std::to_string(kMaxSubjectIdBytes) + " bytes");
  }
  return {};
}

Result<std::string> once_key(std::string_view tenant, std::string_view scope, std::string_view id,
                             std::int64_t ttl_ms) {
  if (auto st = validate_tenant(tenant); !st) return st.error();
  if (auto st = validate_name("scope", scope); !st) return st.error();
  if (auto st = validate_subject_id("id", id); !st) return st.error();
  if (ttl_ms < 1 || ttl_ms > kMaxOnceTtlMs) {
    return invalid("ttl must be between 1 ms and " + std::to_string(kMaxOnceTtlMs / 1000) + " s");
  }
  const std::array<std::string_view, 4> fields{"bw/ratelimit/once/v1", tenant, scope, id};
  return key_or_invalid(redis::tagged_key("once", field_digest(fields), "u"));
}

Result<std::string> lockout_prefix(std::string_view domain, SubjectKind kind, std::string_view tenant,
                                   std::string_view id) {
  if (auto st = validate_name("domain", domain); !st) return st.error();
  if (auto st = validate_tenant(tenant); !st) return st.error();
  if (auto st = validate_subject_id("subject.id", id); !st) return st.error();
  const std::array<std::string_view, 5> fields{"bw/ratelimit/lockout/v1", domain,
                                               kind == SubjectKind::kAccount ? "account" : "address", tenant, id};
  return key_or_invalid(redis::tagged_key("lk", field_digest(fields), "s"));
}

Result<std::string> counter_key(std::string_view domain, const Match& match) {
  return key_or_invalid(
      redis::tagged_key("rl", counter_id(domain, match), match.limit.algorithm == Algorithm::kGcra ? "g" : "w"));
}

Status validate_lease_id(std::string_view lease_id) {
  if (lease_id.size() != kLeaseIdBytes) return invalid("lease_id must be 16 bytes");
  return {};
}

Result<std::string> lease_record_key(std::string_view domain, const Match& match, std::string_view lease_id) {
  if (auto st = validate_lease_id(lease_id); !st) return st.error();
  const auto hex = crypto::hex_encode(as_bytes(lease_id));
  return key_or_invalid(redis::tagged_key("rl", counter_id(domain, match), "l:" + hex));
}

std::int64_t lease_cap(const RateLimit& limit, std::int64_t requested, const LeasePolicy& policy) {
  const std::int64_t budget = limit.algorithm == Algorithm::kGcra ? limit.burst : limit.requests_per_unit;
  const std::int64_t share = (budget * policy.max_percent + 99) / 100;
  return std::max<std::int64_t>(1, std::min({requested, policy.max_tokens, share}));
}

}  // namespace bw::ratelimit
