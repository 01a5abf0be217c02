// CircuitBreaker: after Redis fails, stop asking it for a short, growing interval, so
// requests are answered by the failure mode at once instead of each waiting out connect
// timeouts.
//
// States and guarantees (time from the injected clock only):
//  - closed: every caller proceeds. A failure opens the breaker for `initial_open`.
//  - open: every caller is short-circuited (kReject) until the interval ends.
//  - half-open: when the interval has ended, exactly ONE caller is let through as the probe
//    (kProbe); the others are still rejected. The probe's success closes the breaker and
//    resets the interval; its failure re-opens it for twice the previous interval, capped
//    at `max_open`. A probe that never reports (its caller vanished) is replaced by a new
//    one after `max_open`, so the breaker can never stay stuck half-open.
//  - A success reported in any state closes the breaker (Redis answered, so it is back). A
//    failure reported while already open (a request that started before) changes nothing,
//    so a burst of failures in flight opens it once, not many times.
// Thread-safe (one mutex; every call is O(1)).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "core/over_limit_cache.hpp"  // SteadyNow

namespace bw::ratelimit {

struct BreakerPolicy {
  std::chrono::milliseconds initial_open{100};
  std::chrono::milliseconds max_open{2000};
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  enum class Admission { kProceed, kProbe, kReject };

  explicit CircuitBreaker(BreakerPolicy policy = {}, SteadyNow now = real_steady_clock());

  // Whether the caller may ask Redis now. A kProbe or kProceed caller must report the
  // outcome with on_success() or on_failure().
  Admission admit();
  // True when this call closed a breaker that was not closed (Redis is back).
  bool on_success();
  // True when this call opened a closed breaker (a trip: the start of an outage).
  bool on_failure();

  State state() const;
  // The length of the current (or, when closed, the next) open interval.
  std::chrono::milliseconds open_interval() const;
  // Times the breaker went from closed to open (for tests and logs).
  std::uint64_t trips() const;

 private:
  using Time = std::chrono::steady_clock::time_point;
  BreakerPolicy policy_;
  SteadyNow now_;
  mutable std::mutex mu_;
  State state_ = State::kClosed;
  std::chrono::milliseconds interval_;  // current open interval
  Time until_{};                        // open: end of the interval; half-open: probe deadline
  std::uint64_t trips_ = 0;
};

}  // namespace bw::ratelimit
