// Input validation: nonsense is refused as kInvalidArgument before any round trip.
#include <gtest/gtest.h>

#include "bw/counters/validate.hpp"
#include "bw/redis/errors.hpp"

namespace bw::counters {
namespace {

bool refused(const Status& status) {
  return !status.ok() && redis::has_code(status.error(), redis::Errc::kInvalidArgument);
}

TEST(Validate, KeyNeedsANonEmptyHashTag) {
  EXPECT_TRUE(validate_key("bw:{rl:api}:w").ok());
  EXPECT_TRUE(refused(validate_key("")));
  EXPECT_TRUE(refused(validate_key("bw:rl:api")));
  EXPECT_TRUE(refused(validate_key("bw:{}:x")));
  EXPECT_TRUE(refused(validate_key("bw:}{x")));
  EXPECT_TRUE(refused(validate_key("bw:{a}" + std::string(kMaxKeyBytes, 'x'))));
}

TEST(Validate, HitsAreBounded) {
  EXPECT_TRUE(validate_hits(0).ok());
  EXPECT_TRUE(validate_hits(kMaxHits).ok());
  EXPECT_TRUE(refused(validate_hits(-1)));
  EXPECT_TRUE(refused(validate_hits(kMaxHits + 1)));
}

TEST(Validate, FixedWindowNeedsAPositiveLimitAndUnit) {
  EXPECT_TRUE(validate(FixedWindowLimit{.limit = 1, .unit_seconds = 1}).ok());
  EXPECT_TRUE(refused(validate(FixedWindowLimit{.limit = 0, .unit_seconds = 1})));
  EXPECT_TRUE(refused(validate(FixedWindowLimit{.limit = 1, .unit_seconds = 0})));
  EXPECT_TRUE(refused(validate(FixedWindowLimit{.limit = 1, .unit_seconds = kMaxUnitSeconds + 1})));
}

TEST(Validate, GcraRefusesSubMicrosecondIntervalsAndHugeSpans) {
  EXPECT_TRUE(validate(GcraLimit{.rate = 10, .period_ms = 1000, .burst = 5}).ok());
  EXPECT_TRUE(refused(validate(GcraLimit{.rate = 0, .period_ms = 1000, .burst = 5})));
  EXPECT_TRUE(refused(validate(GcraLimit{.rate = 10, .period_ms = 1000, .burst = 0})));
  EXPECT_TRUE(refused(validate(GcraLimit{.rate = 2'000'000, .period_ms = 1000, .burst = 1})));
  EXPECT_TRUE(refused(validate(GcraLimit{.rate = 1, .period_ms = kMaxPeriodMs, .burst = 10})));
}

TEST(Validate, LockoutNeedsPositiveThresholdAndDurations) {
  EXPECT_TRUE(validate(LockoutPolicy{.threshold = 10, .window_ms = 1, .ban_ms = 1}).ok());
  EXPECT_TRUE(refused(validate(LockoutPolicy{.threshold = 0, .window_ms = 1, .ban_ms = 1})));
  EXPECT_TRUE(refused(validate(LockoutPolicy{.threshold = 1, .window_ms = 0, .ban_ms = 1})));
  EXPECT_TRUE(refused(validate(LockoutPolicy{.threshold = 1, .window_ms = 1, .ban_ms = -5})));
}

TEST(Validate, TtlMustBePositive) {
  EXPECT_TRUE(validate_ttl_ms(1).ok());
  EXPECT_TRUE(refused(validate_ttl_ms(0)));
  EXPECT_TRUE(refused(validate_ttl_ms(kMaxTtlMs + 1)));
}

}  // namespace
}  // namespace bw::counters
