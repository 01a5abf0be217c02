// Input checks before any round trip; see validate.hpp for the contract.
#include "bw/counters/validate.hpp"

#include <string>

#include "bw/counters/math.hpp"
#include "bw/redis/errors.hpp"

namespace bw::counters {
namespace {

Status in_range(std::string_view field, std::int64_t value, std::int64_t low,
                std::int64_t high) {
  if (value >= low && value <= high) return {};
  return redis::make_error(redis::Errc::kInvalidArgument,
                           std::string(field) + " must be in [" + std::to_string(low) + ", " +
                               std::to_string(high) + "], got " + std::to_string(value));
}

}  // namespace

bool has_hash_tag(std::string_view key) {
  auto open = key.find('{');
  if (open == std::string_view::npos) return false;
  auto close = key.find('}', open + 1);
  return close != std::string_view::npos && close > open + 1;
}

Status validate_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    return redis::make_error(redis::Errc::kInvalidArgument,
                             "counter key must have 1.." + std::to_string(kMaxKeyBytes) +
                                 " bytes");
  }
  if (!has_hash_tag(key)) {
    return redis::make_error(redis::Errc::kInvalidArgument,
                             "counter key has no hash tag; build it with bw::redis::tagged_key");
  }
  return {};
}

Status validate_hits(std::int64_t hits) { return in_range("hits", hits, 0, kMaxHits); }

Status validate(const FixedWindowLimit& limit) {
  if (Status s = in_range("limit", limit.limit, 1, kMaxLimit); !s) return s;
  return in_range("unit_seconds", limit.unit_seconds, 1, kMaxUnitSeconds);
}

Status validate(const GcraLimit& limit) {
  if (Status s = in_range("rate", limit.rate, 1, kMaxLimit); !s) return s;
  if (Status s = in_range("period_ms", limit.period_ms, 1, kMaxPeriodMs); !s) return s;
  if (Status s = in_range("burst", limit.burst, 1, kMaxLimit); !s) return s;
  std::int64_t interval = emission_interval_us(limit);
  if (interval < 1) {
    return redis::make_error(redis::Errc::kInvalidArgument,
                             "rate per period_ms is above one per microsecond");
  }
  if (limit.burst > kMaxSpanUs / interval) {
    return redis::make_error(redis::Errc::kInvalidArgument,
                             "burst times emission interval exceeds " +
                                 std::to_string(kMaxSpanUs) + " us");
  }
  return {};
}

Status validate(const LockoutPolicy& policy) {
  if (Status s = in_range("threshold", policy.threshold, 1, kMaxLimit); !s) return s;
  if (Status s = in_range("window_ms", policy.window_ms, 1, kMaxTtlMs); !s) return s;
  return in_range("ban_ms", policy.ban_ms, 1, kMaxTtlMs);
}

Status validate_ttl_ms(std::int64_t ttl_ms) { return in_range("ttl_ms", ttl_ms, 1, kMaxTtlMs); }

namespace {

std::string_view hash_tag(std::string_view key) {
  auto open = key.find('{');
  auto close = key.find('}', open + 1);
  return key.substr(open, close - open + 1);
}

}  // namespace

Status validate_record_key(std::string_view key, std::string_view record_key) {
  if (Status s = validate_key(key); !s) return s;
  if (Status s = validate_key(record_key); !s) return s;
  if (record_key == key || hash_tag(record_key) != hash_tag(key)) {
    return redis::make_error(redis::Errc::kInvalidArgument,
                             "lease record key must differ from the counter key and share its hash tag");
  }
  return {};
}

Status validate_requested(std::int64_t requested) { return in_range("requested", requested, 1, kMaxHits); }

Status validate_unspent(std::int64_t unspent) { return in_range("unspent", unspent, 0, kMaxHits); }

}  // namespace bw::counters
