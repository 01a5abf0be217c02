// The counter arithmetic as pure functions of explicit inputs (time is a parameter), so
// it is unit-tested without Redis or a clock. The Lua scripts in libs/counters/scripts
// implement exactly these formulas with Redis TIME as `now`; counters_agreement_test checks
// both on a table of cases against a real server.
//
// Preconditions: the arguments passed validate.hpp's checks (they bound every value so
// that nothing overflows). Times are microseconds (now_us) or seconds of Redis TIME.
#pragma once

#include <cstdint>
#include <optional>

#include "bw/counters/types.hpp"

namespace bw::counters {

// ⌈a / b⌉ for a ≥ 0, b > 0.
std::int64_t ceil_div(std::int64_t a, std::int64_t b);

// The start (seconds) of the window of `unit_s` seconds that holds `now_s`.
std::int64_t window_start_s(std::int64_t now_s, std::int64_t unit_s);

// Milliseconds (rounded up) from now_us to the end of its window; in [1, unit_s·1000].
std::int64_t window_reset_after_ms(std::int64_t now_us, std::int64_t unit_s);

// A fixed-window decision, given the hits already counted in the current window.
// new_count is what the counter holds afterwards (equal to counted when nothing changes).
struct FixedWindowOutcome {
  WindowDecision decision;
  std::int64_t new_count = 0;
};
FixedWindowOutcome decide_fixed_window(std::int64_t counted, const FixedWindowLimit& limit,
                                       std::int64_t hits, std::int64_t now_us);

// period_ms·1000 / rate, floored (µs). Validation guarantees ≥ 1.
std::int64_t emission_interval_us(const GcraLimit& limit);

// A GCRA decision from the stored TAT (nullopt: no key). new_tat is set when the state
// must be written (admitted with hits > 0); ttl_ms is then its PX.
struct GcraOutcome {
  GcraDecision decision;
  std::optional<std::int64_t> new_tat_us;
  std::int64_t ttl_ms = 0;
};
GcraOutcome decide_gcra(std::optional<std::int64_t> stored_tat_us, std::int64_t now_us,
                        std::int64_t interval_us, std::int64_t burst, std::int64_t hits);

}  // namespace bw::counters
