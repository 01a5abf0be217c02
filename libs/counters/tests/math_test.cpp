// The pure counter arithmetic with explicit (injected) times: window alignment and reset,
// fixed-window counting in both modes, and GCRA admission, retry and reset figures.
#include <gtest/gtest.h>

#include "bw/counters/math.hpp"

namespace bw::counters {
namespace {

constexpr std::int64_t kSecond = 1'000'000;  // µs
constexpr std::int64_t kNow = 1'699'999'980 * kSecond;  // a minute boundary (…:00)

TEST(WindowMath, StartIsAlignedToTheUnit) {
  EXPECT_EQ(window_start_s(1'700'000'059, 60), 1'700'000'040);
  EXPECT_EQ(window_start_s(1'700'000'040, 60), 1'700'000'040);
  EXPECT_EQ(window_start_s(1'700'000'041, 1), 1'700'000'041);
  EXPECT_EQ(window_start_s(86'399, 86'400), 0);
}

TEST(WindowMath, ResetIsRoundedUpAndNeverZero) {
  EXPECT_EQ(window_reset_after_ms(kNow, 60), 60'000);            // at the boundary
  EXPECT_EQ(window_reset_after_ms(kNow + 1, 60), 60'000);        // 59 999.999 ms → up
  EXPECT_EQ(window_reset_after_ms(kNow + 59 * kSecond + 999'999, 60), 1);
  EXPECT_EQ(window_reset_after_ms(kNow + 500'000, 1), 500);
}

TEST(FixedWindowMath, AdmitsUpToTheLimitThenDenies) {
  FixedWindowLimit limit{.limit = 3, .unit_seconds = 60};
  auto first = decide_fixed_window(0, limit, 1, kNow);
  EXPECT_TRUE(first.decision.allowed);
  EXPECT_EQ(first.new_count, 1);
  EXPECT_EQ(first.decision.remaining, 2);
  auto last = decide_fixed_window(2, limit, 1, kNow);
  EXPECT_TRUE(last.decision.allowed);
  EXPECT_EQ(last.decision.remaining, 0);
  auto over = decide_fixed_window(3, limit, 1, kNow);
  EXPECT_FALSE(over.decision.allowed);
  EXPECT_EQ(over.new_count, 3);  // a denied hit is not counted by default
  EXPECT_EQ(over.decision.current, 3);
}

TEST(FixedWindowMath, DeniedLargeRequestDoesNotStarveSmallerOnes) {
  FixedWindowLimit limit{.limit = 10, .unit_seconds = 60};
  auto big = decide_fixed_window(5, limit, 6, kNow);
  EXPECT_FALSE(big.decision.allowed);
  auto small = decide_fixed_window(big.new_count, limit, 5, kNow);
  EXPECT_TRUE(small.decision.allowed);
  EXPECT_EQ(small.decision.remaining, 0);
}

TEST(FixedWindowMath, EnvoyModeCountsDeniedHits) {
  FixedWindowLimit limit{.limit = 10, .unit_seconds = 60, .count_denied = true};
  auto big = decide_fixed_window(5, limit, 6, kNow);
  EXPECT_FALSE(big.decision.allowed);
  EXPECT_EQ(big.new_count, 11);
  EXPECT_EQ(big.decision.remaining, 0);
}

TEST(FixedWindowMath, ZeroHitsOnlyReads) {
  FixedWindowLimit limit{.limit = 2, .unit_seconds = 60};
  auto read = decide_fixed_window(2, limit, 0, kNow);
  EXPECT_TRUE(read.decision.allowed);
  EXPECT_EQ(read.new_count, 2);
}

TEST(GcraMath, EmissionIntervalIsPeriodOverRate) {
  EXPECT_EQ(emission_interval_us({.rate = 10, .period_ms = 1000, .burst = 1}), 100'000);
  EXPECT_EQ(emission_interval_us({.rate = 3, .period_ms = 1000, .burst = 1}), 333'333);
}

TEST(GcraMath, AdmitsExactlyTheBurstAtOneInstant) {
  const std::int64_t interval = 100'000;
  std::optional<std::int64_t> tat;
  int admitted = 0;
  for (int i = 0; i < 10; ++i) {
    auto out = decide_gcra(tat, kNow, interval, 4, 1);
    if (out.decision.allowed) {
      ++admitted;
      tat = out.new_tat_us;
      EXPECT_EQ(out.decision.remaining, 4 - admitted);
      EXPECT_EQ(out.ttl_ms, admitted * 100);
    }
  }
  EXPECT_EQ(admitted, 4);
  EXPECT_EQ(*tat, kNow + 4 * interval);
}

TEST(GcraMath, DeniedRequestLearnsWhenToRetry) {
  const std::int64_t interval = 100'000;
  auto out = decide_gcra(kNow + 4 * interval, kNow + 30'000, interval, 4, 1);
  EXPECT_FALSE(out.decision.allowed);
  EXPECT_EQ(out.decision.remaining, 0);
  EXPECT_EQ(out.decision.retry_after_ms, 70);   // one interval after the TAT's slack
  EXPECT_EQ(out.decision.reset_after_ms, 370);  // until the bucket is empty again
  EXPECT_FALSE(out.new_tat_us.has_value());
}

TEST(GcraMath, RefillsOneCellPerInterval) {
  const std::int64_t interval = 100'000;
  auto out = decide_gcra(kNow + 4 * interval, kNow + interval, interval, 4, 1);
  EXPECT_TRUE(out.decision.allowed);
  EXPECT_EQ(*out.new_tat_us, kNow + 5 * interval);
  EXPECT_EQ(out.decision.remaining, 0);
}

TEST(GcraMath, StaleTatCountsAsNow) {
  auto out = decide_gcra(kNow - 10 * kSecond, kNow, 100'000, 4, 2);
  EXPECT_TRUE(out.decision.allowed);
  EXPECT_EQ(*out.new_tat_us, kNow + 200'000);
  EXPECT_EQ(out.decision.remaining, 2);
}

TEST(GcraMath, MoreHitsThanBurstNeverFit) {
  auto out = decide_gcra(std::nullopt, kNow, 100'000, 4, 5);
  EXPECT_FALSE(out.decision.allowed);
  EXPECT_EQ(out.decision.retry_after_ms, -1);
  EXPECT_EQ(out.decision.remaining, 4);
}

TEST(GcraMath, ZeroHitsReadsWithoutWriting) {
  auto out = decide_gcra(kNow + 200'000, kNow, 100'000, 4, 0);
  EXPECT_TRUE(out.decision.allowed);
  EXPECT_EQ(out.decision.remaining, 2);
  EXPECT_FALSE(out.new_tat_us.has_value());
}

}  // namespace
}  // namespace bw::counters
