// The plain values of the counter library: the limits a caller asks for and the decisions
// Redis gives back. No I/O and no Redis type here, so a service core can use them as they
// are. Every bound below exists so that all arithmetic — in C++ int64 and in Lua's doubles —
// stays exact (every intermediate value is far below 2^53).
#pragma once

#include <cstdint>

namespace bw::counters {

inline constexpr std::int64_t kMaxHits = 1'000'000'000;             // per call
inline constexpr std::int64_t kMaxLimit = 1'000'000'000'000;        // per window / burst
inline constexpr std::int64_t kMaxUnitSeconds = 366LL * 24 * 3600;  // one (leap) year
inline constexpr std::int64_t kMaxPeriodMs = kMaxUnitSeconds * 1000;
inline constexpr std::int64_t kMaxSpanUs = 100'000'000'000'000;     // burst·interval ≈ 3 years
inline constexpr std::int64_t kMaxTtlMs = kMaxPeriodMs;
inline constexpr std::size_t kMaxKeyBytes = 1024;

// A fixed window: at most `limit` hits per `unit_seconds`, windows aligned to multiples of
// the unit in Redis time (a minute window starts at :00, as Envoy's does).
struct FixedWindowLimit {
  std::int64_t limit = 0;         // [1, kMaxLimit]
  std::int64_t unit_seconds = 0;  // [1, kMaxUnitSeconds]
  // false (default): a denied request is not counted, so the counter is exactly the hits
  //   admitted, `remaining` is exact, and a large denied hits_addend cannot starve smaller
  //   requests that still fit.
  // true: Envoy's counting — every hit is added, admitted or not.
  bool count_denied = false;
};

struct WindowDecision {
  bool allowed = false;
  std::int64_t current = 0;         // hits counted in this window after this call
  std::int64_t remaining = 0;       // max(limit - current, 0)
  std::int64_t reset_after_ms = 0;  // until the window ends (1 ≤ · ≤ unit)
};

// GCRA: `rate` requests per `period_ms` on average, with up to `burst` admitted at once
// from an idle bucket. Emission interval = period_ms·1000 / rate microseconds (floored).
struct GcraLimit {
  std::int64_t rate = 0;       // [1, kMaxLimit]
  std::int64_t period_ms = 0;  // [1, kMaxPeriodMs]; interval must come out ≥ 1 µs
  std::int64_t burst = 0;      // [1, kMaxLimit]; burst·interval ≤ kMaxSpanUs
};

struct GcraDecision {
  bool allowed = false;
  std::int64_t remaining = 0;       // requests that would still be admitted right now
  std::int64_t retry_after_ms = 0;  // 0 when allowed; -1 when hits > burst (never fits)
  std::int64_t reset_after_ms = 0;  // until the bucket is full (idle) again
};

// Lockout: the `threshold`-th failure within `window_ms` of the first bans for `ban_ms`.
struct LockoutPolicy {
  std::int64_t threshold = 0;  // [1, kMaxLimit]
  std::int64_t window_ms = 0;  // [1, kMaxTtlMs]
  std::int64_t ban_ms = 0;     // [1, kMaxTtlMs]
};

struct LockoutState {
  bool locked = false;              // a ban is in force (after this call)
  bool recorded = false;            // this call's failure was counted (record only)
  std::int64_t failures = 0;        // failures counted in the current window
  std::int64_t retry_after_ms = 0;  // until the ban ends; 0 unlocked; -1 ban without TTL
};

// A quota lease taken from a fixed window or a GCRA bucket (scripts/lease_*.lua).
struct LeaseGrant {
  std::int64_t granted = 0;    // tokens now counted against the limit, 0..requested
  std::int64_t remaining = 0;  // tokens still free after this grant
  // granted == 0: ms until asking again can succeed (window end, or one GCRA cell).
  // granted > 0: ms until the window resets / the bucket is full again.
  std::int64_t after_ms = 0;
  std::int64_t valid_ms = 0;   // lease validity (its record's TTL); 0 when nothing granted
};

}  // namespace bw::counters
