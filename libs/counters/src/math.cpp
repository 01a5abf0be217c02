// Pure counter arithmetic; the Lua scripts mirror these formulas line for line.
#include "bw/counters/math.hpp"

#include <algorithm>

namespace bw::counters {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

std::int64_t window_start_s(std::int64_t now_s, std::int64_t unit_s) {
  return now_s - now_s % unit_s;
}

std::int64_t window_reset_after_ms(std::int64_t now_us, std::int64_t unit_s) {
  std::int64_t now_s = now_us / 1'000'000;
  std::int64_t end_us = (window_start_s(now_s, unit_s) + unit_s) * 1'000'000;
  return ceil_div(end_us - now_us, 1000);
}

FixedWindowOutcome decide_fixed_window(std::int64_t counted, const FixedWindowLimit& limit,
                                       std::int64_t hits, std::int64_t now_us) {
  FixedWindowOutcome out;
  out.decision.allowed = counted + hits <= limit.limit;
  out.new_count = (out.decision.allowed || limit.count_denied) ? counted + hits : counted;
  out.decision.current = out.new_count;
  out.decision.remaining = std::max<std::int64_t>(limit.limit - out.new_count, 0);
  out.decision.reset_after_ms = window_reset_after_ms(now_us, limit.unit_seconds);
  return out;
}

std::int64_t emission_interval_us(const GcraLimit& limit) {
  return limit.period_ms * 1000 / limit.rate;
}

namespace {

// Requests that fit now when the TAT is `tat`: ⌊(now − (tat − burst·T)) / T⌋, at least 0.
std::int64_t capacity_left(std::int64_t now_us, std::int64_t tat, std::int64_t interval_us,
                           std::int64_t burst) {
  std::int64_t free_us = now_us - (tat - burst * interval_us);
  return free_us < 0 ? 0 : free_us / interval_us;
}

}  // namespace

GcraOutcome decide_gcra(std::optional<std::int64_t> stored_tat_us, std::int64_t now_us,
                        std::int64_t interval_us, std::int64_t burst, std::int64_t hits) {
  GcraOutcome out;
  GcraDecision& d = out.decision;
  std::int64_t tat = std::max(stored_tat_us.value_or(now_us), now_us);
  if (hits > burst) {
    d = {false, capacity_left(now_us, tat, interval_us, burst), -1, ceil_div(tat - now_us, 1000)};
    return out;
  }
  std::int64_t new_tat = tat + hits * interval_us;
  std::int64_t conform_at = new_tat - burst * interval_us;
  if (conform_at > now_us) {
    d = {false, capacity_left(now_us, tat, interval_us, burst),
         ceil_div(conform_at - now_us, 1000), ceil_div(tat - now_us, 1000)};
    return out;
  }
  d = {true, capacity_left(now_us, new_tat, interval_us, burst), 0,
       ceil_div(new_tat - now_us, 1000)};
  if (hits > 0) {
    out.new_tat_us = new_tat;
    out.ttl_ms = d.reset_after_ms;
  }
  return out;
}

}  // namespace bw::counters
