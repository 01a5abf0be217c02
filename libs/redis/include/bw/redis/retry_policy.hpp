// RetryPolicy and the backoff schedule of the Redis client: pure values and a pure function,
// so the schedule is tested without a clock.
//
// Attempt n (1-based) is preceded by a wait of backoff_delay(policy, n, r): none before the
// first; before attempt n ≥ 2 an "equal jitter" delay — half of min(max_backoff,
// base_backoff·2^(n-2)) fixed, the other half scaled by r ∈ [0, 1). Jitter spreads the
// reconnects of many clients after a Redis restart instead of synchronising them.
#pragma once

#include <chrono>

namespace bw::redis {

struct RetryPolicy {
  int max_attempts = 3;                            // connects (and idempotent resends) per call
  std::chrono::milliseconds base_backoff{25};      // wait before the 2nd attempt (± jitter)
  std::chrono::milliseconds max_backoff{400};      // cap on one wait
  std::chrono::milliseconds budget{1500};          // no attempt starts later than this into a call
};

// The wait before attempt `attempt` (1-based). `unit_random` is in [0, 1); values outside are
// clamped. Never negative, never above policy.max_backoff.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt,
                                        double unit_random);

}  // namespace bw::redis
