// Input checks run before anything is sent: a call with nonsense never costs a Redis round
// trip, and every value that reaches the scripts is inside the bounds of types.hpp, which
// keep the arithmetic exact. Errors are bw::redis::Errc::kInvalidArgument ("rejected before
// anything was sent") with a message naming the bad field, never echoing a key.
#pragma once

#include <cstdint>
#include <string_view>

#include "bw/counters/types.hpp"
#include "bw/result.hpp"

namespace bw::counters {

// True when `key` has a non-empty Redis Cluster hash tag ({…}), as bw::redis::tagged_key
// builds, so every key derived from it by appending a suffix lands in the same slot.
bool has_hash_tag(std::string_view key);

// Non-empty, at most kMaxKeyBytes, with a hash tag.
Status validate_key(std::string_view key);
Status validate_hits(std::int64_t hits);  // [0, kMaxHits]
Status validate(const FixedWindowLimit& limit);
Status validate(const GcraLimit& limit);
Status validate(const LockoutPolicy& policy);
Status validate_ttl_ms(std::int64_t ttl_ms);  // [1, kMaxTtlMs]
// A lease record key: valid as a key, and with the same hash tag as the counter `key`.
Status validate_record_key(std::string_view key, std::string_view record_key);
Status validate_requested(std::int64_t requested);  // [1, kMaxHits]
Status validate_unspent(std::int64_t unspent);      // [0, kMaxHits]

}  // namespace bw::counters
