// The pure half of the Quota API (breakwater.ratelimit.v1): input checks, Redis key
// names and the lease-size bound. No I/O, no clock.
//
// Guarantees:
//  - Every check refuses with RequestError::kInvalidArgument and a reason naming the field;
//    nothing the caller sends reaches a Redis key name: keys are digests of
//    length-prefixed fields (field_digest), so no caller byte can move a key to another
//    hash slot, collide two scopes or forge another tenant's key.
//  - Keys of one-time checks, lockouts and leases belong to separate families (a purpose
//    label is the first digest field), and a lease record shares the hash tag of the
//    counter it draws on, so each script touches one slot.
//  - lease_cap() bounds what one lease may hold, which bounds how far spending can pass a
//    limit when leases cross a window boundary: by at most the sum of outstanding leases.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bw/counters/types.hpp"
#include "bw/result.hpp"
#include "core/rules.hpp"

namespace bw::ratelimit {

inline constexpr std::size_t kTenantBytes = 16;
inline constexpr std::size_t kMaxSubjectIdBytes = 64;
inline constexpr std::size_t kLeaseIdBytes = 16;
inline constexpr std::int64_t kMaxOnceTtlMs = 7LL * 24 * 3600 * 1000;  // one week

// A lower-case ASCII name of 1..32 of [a-z0-9_]: scopes and lockout counter names.
Status validate_name(std::string_view field, std::string_view name);
// Empty (global) or exactly 16 bytes.
Status validate_tenant(std::string_view tenant);
// 1..64 bytes.
Status validate_subject_id(std::string_view field, std::string_view id);

// "bw:{once:<digest>}:u" for CheckAndRecord. Checks scope, tenant, id and ttl_ms
// ([1, kMaxOnceTtlMs]).
Result<std::string> once_key(std::string_view tenant, std::string_view scope, std::string_view id,
                             std::int64_t ttl_ms);

enum class SubjectKind { kAccount, kAddress };

// "bw:{lk:<digest>}:s", the prefix of the two lockout keys (libs/counters lockout_keys).
Result<std::string> lockout_prefix(std::string_view domain, SubjectKind kind, std::string_view tenant,
                                   std::string_view id);

// The lockout policies per subject kind (defaults: DESIGN and issue 3).
struct LockoutPolicies {
  counters::LockoutPolicy account{.threshold = 10, .window_ms = 15 * 60'000, .ban_ms = 15 * 60'000};
  counters::LockoutPolicy address{.threshold = 30, .window_ms = 24 * 3'600'000, .ban_ms = 24 * 3'600'000};
  const counters::LockoutPolicy& for_kind(SubjectKind kind) const {
    return kind == SubjectKind::kAccount ? account : address;
  }
};

// The counter key of a matched descriptor — the same one ShouldRateLimit decides on, so
// leases and single decisions share one budget — and the record key of one lease.
Result<std::string> counter_key(std::string_view domain, const Match& match);
Result<std::string> lease_record_key(std::string_view domain, const Match& match, std::string_view lease_id);
// A lease id must be exactly kLeaseIdBytes.
Status validate_lease_id(std::string_view lease_id);

// How lease sizes are bounded (configuration).
struct LeasePolicy {
  std::int64_t ttl_ms = 10'000;     // how long a lease may be spent
  std::int64_t max_tokens = 1000;   // per lease, whatever the limit
  std::int64_t max_percent = 25;    // per lease, of the rule's limit (burst for GCRA)
};

// min(requested, max_tokens, ⌈limit·max_percent/100⌉), at least 1. requested ≥ 1.
std::int64_t lease_cap(const RateLimit& limit, std::int64_t requested, const LeasePolicy& policy);

}  // namespace bw::ratelimit
