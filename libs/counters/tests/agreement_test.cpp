// The Lua scripts and math.hpp agree. No test hook lives in the scripts: each case sets
// the stored state explicitly, brackets the call with Redis TIME readings t0 ≤ now ≤ t1,
// and requires the script's answer to be what the C++ formulas give for that bracket —
// exactly for values that cannot change inside it, within [f(t1), f(t0)] for durations.
#include "counters_fixture.hpp"

namespace bw::counters {
namespace {

using test::CountersTest;

struct GcraCase {
  std::optional<double> tat_in_intervals;  // stored TAT relative to t0; nullopt: no key
  std::int64_t burst, hits;
};

class Agreement : public CountersTest {
 protected:
  // Runs one GCRA case; false (nothing checked) when the call's TIME bracket was too wide.
  bool compare_gcra(const std::string& k, const GcraCase& c, const GcraLimit& limit,
                    std::int64_t interval);
};

struct WindowCase {
  std::int64_t counted, limit, hits;
  bool count_denied;
  bool stale = false;  // `counted` was stored for the previous window: it must not count
};

TEST_F(Agreement, FixedWindowScriptMatchesTheCppMath) {
  const std::int64_t unit = 3600;
  const WindowCase cases[] = {
      {0, 1, 1, false},   {0, 1, 2, false},        {4, 5, 1, false},       {5, 5, 1, false},
      {5, 5, 0, false},   {3, 10, 8, false},       {3, 10, 8, true},       {10, 10, 3, true},
      {7, 100, 93, false}, {5, 5, 1, false, true}, {9, 10, 2, true, true},
      {0, kMaxLimit, kMaxHits, false}};
  wait_for_window_room(unit, 5000);
  int i = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(i);
    const std::string k = key("agree:w:" + std::to_string(i++));
    FixedWindowLimit limit{.limit = c.limit, .unit_seconds = unit, .count_denied = c.count_denied};
    std::int64_t t0 = redis_now_us();
    std::int64_t start = window_start_s(t0 / 1'000'000, unit);
    if (c.counted > 0) {
      std::int64_t stored_w = c.stale ? start - unit : start;
      conn_.command({"HSET", k, "w", std::to_string(stored_w), "n", std::to_string(c.counted)})
          .value();
    }
    const std::int64_t counted = c.stale ? 0 : c.counted;
    auto got = counters_.fixed_window(conn_, k, limit, c.hits);
    std::int64_t t1 = redis_now_us();
    ASSERT_TRUE(got.ok()) << got.error().message;
    auto early = decide_fixed_window(counted, limit, c.hits, t0);
    auto late = decide_fixed_window(counted, limit, c.hits, t1);
    EXPECT_EQ(got->allowed, early.decision.allowed);
    EXPECT_EQ(got->current, early.decision.current);
    EXPECT_EQ(got->remaining, early.decision.remaining);
    EXPECT_LE(got->reset_after_ms, early.decision.reset_after_ms);
    EXPECT_GE(got->reset_after_ms, late.decision.reset_after_ms);
    if (early.new_count != counted) {
      EXPECT_EQ(conn_.command({"HGET", k, "n"})->as_string(), std::to_string(early.new_count));
      EXPECT_EQ(conn_.command({"HGET", k, "w"})->as_string(), std::to_string(start));
    }
  }
}

bool between(std::int64_t v, std::int64_t a, std::int64_t b) {
  return std::min(a, b) <= v && v <= std::max(a, b);
}

bool Agreement::compare_gcra(const std::string& k, const GcraCase& c, const GcraLimit& limit,
                             std::int64_t interval) {
  std::int64_t t0 = redis_now_us();
  std::optional<std::int64_t> tat;
  if (c.tat_in_intervals) {
    tat = t0 + static_cast<std::int64_t>(*c.tat_in_intervals * static_cast<double>(interval));
    conn_.command({"SET", k, std::to_string(*tat), "PX", "60000"}).value();
  }
  auto got = counters_.gcra(conn_, k, limit, c.hits);
  std::int64_t t1 = redis_now_us();
  if (!got.ok()) {
    ADD_FAILURE() << got.error().message;
    return true;
  }
  if (t1 - t0 >= interval / 2) return false;
  auto early = decide_gcra(tat, t0, interval, limit.burst, c.hits);
  auto late = decide_gcra(tat, t1, interval, limit.burst, c.hits);
  EXPECT_EQ(got->allowed, early.decision.allowed);
  EXPECT_EQ(got->allowed, late.decision.allowed);
  EXPECT_EQ(got->remaining, early.decision.remaining);
  EXPECT_EQ(got->remaining, late.decision.remaining);
  EXPECT_TRUE(between(got->retry_after_ms, early.decision.retry_after_ms,
                      late.decision.retry_after_ms)) << got->retry_after_ms;
  EXPECT_TRUE(between(got->reset_after_ms, early.decision.reset_after_ms,
                      late.decision.reset_after_ms)) << got->reset_after_ms;
  if (early.new_tat_us && tat && *tat > t1) {
    // TAT in the future: the new TAT does not depend on now at all.
    EXPECT_EQ(conn_.command({"GET", k})->as_string(), std::to_string(*early.new_tat_us));
  }
  return true;
}

TEST_F(Agreement, GcraScriptMatchesTheCppMath) {
  // 100 ms intervals and TATs half an interval off any boundary: a call taking < 50 ms
  // cannot cross one, so admitted/remaining are exact for the whole bracket.
  const GcraLimit base{.rate = 10, .period_ms = 1000, .burst = 1};
  const std::int64_t interval = emission_interval_us(base);
  const GcraCase cases[] = {{std::nullopt, 1, 1}, {std::nullopt, 5, 5}, {std::nullopt, 5, 6},
                            {-20.5, 5, 2},        {0.5, 1, 1},          {2.5, 5, 1},
                            {2.5, 5, 3},          {4.5, 5, 1},          {3.5, 5, 0},
                            {9.5, 5, 1},          {1.5, 3, 2}};
  int i = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(i);
    GcraLimit limit = base;
    limit.burst = c.burst;
    // A call slower than half an interval (a loaded machine) proves nothing: try again.
    bool compared = false;
    for (int attempt = 0; attempt < 5 && !compared; ++attempt) {
      compared = compare_gcra(key("agree:g:" + std::to_string(i) + ":" + std::to_string(attempt)),
                              c, limit, interval);
    }
    EXPECT_TRUE(compared) << "every attempt took longer than half an interval";
    ++i;
  }
}

}  // namespace
}  // namespace bw::counters
