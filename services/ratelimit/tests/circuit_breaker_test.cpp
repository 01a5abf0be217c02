// CircuitBreaker with an injected clock: open on failure, one probe when the interval ends,
// doubling intervals capped, reset on success.
#include "core/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace bw::ratelimit {
namespace {

using std::chrono::milliseconds;
using Admission = CircuitBreaker::Admission;
using State = CircuitBreaker::State;

struct FakeClock {
  std::chrono::steady_clock::time_point t{std::chrono::hours(1)};
  SteadyNow fn() {
    return [this] { return t; };
  }
};

TEST(CircuitBreaker, ClosedLetsEveryCallerProceed) {
  FakeClock clock;
  CircuitBreaker b({milliseconds(100), milliseconds(2000)}, clock.fn());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.admit(), Admission::kProceed);
  EXPECT_FALSE(b.on_success());  // nothing to recover from
  EXPECT_EQ(b.state(), State::kClosed);
}

TEST(CircuitBreaker, FailureRejectsEveryoneUntilTheIntervalEnds) {
  FakeClock clock;
  CircuitBreaker b({milliseconds(100), milliseconds(2000)}, clock.fn());
  EXPECT_TRUE(b.on_failure());  // a trip
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_EQ(b.admit(), Admission::kReject);
  clock.t += milliseconds(99);
  EXPECT_EQ(b.admit(), Admission::kReject);
  clock.t += milliseconds(1);
  EXPECT_EQ(b.admit(), Admission::kProbe);
  EXPECT_EQ(b.state(), State::kHalfOpen);
}

TEST(CircuitBreaker, LetsExactlyOneProbeThroughWhenHalfOpen) {
  FakeClock clock;
  CircuitBreaker b({milliseconds(100), milliseconds(2000)}, clock.fn());
  b.on_failure();
  clock.t += milliseconds(100);
  EXPECT_EQ(b.admit(), Admission::kProbe);
  EXPECT_EQ(b.admit(), Admission::kReject);
  EXPECT_EQ(b.admit(), Admission::kReject);
}

TEST(CircuitBreaker, ProbeSuccessClosesAndResetsTheInterval) {
  FakeClock clock;
  CircuitBreaker b({milliseconds(100), milliseconds(2000)}, clock.fn());
  b.on_failure();
  clock.t += milliseconds(100);
  ASSERT_EQ(b.admit(), Admission::kProbe);
  EXPECT_FALSE(b.on_failure());  // probe failed: 200 ms, not a new trip
  EXPECT_EQ(b.open_interval(), milliseconds(200));
  clock.t += milliseconds(200);
  ASSERT_EQ(b.admit(), Admission::kProbe);
  EXPECT_TRUE(b.on_success());  // recovered
  EXPECT_EQ(b.state(), State::kClosed);
  EXPECT_EQ(b.open_interval(), milliseconds(100));
  EXPECT_EQ(b.admit(), Admission::kProceed);
}

TEST(CircuitBreaker, IntervalDoublesPerFailedProbeUpToTheCap) {
  FakeClock clock;
  CircuitBreaker b({milliseconds(100), milliseconds(2000)}, clock.fn());
  b.on_failure();
  const std::vector<int> expected{200, 400, 800, 1600, 2000, 2000};
  for (int ms : expected) {
    clock.t += b.open_interval();
    ASSERT_EQ(b.admit(), Admission::kProbe);
    b.on_failure();
    EXPECT_EQ(b.open_interval(), milliseconds(ms));
    clock.t += milliseconds(ms - 1);
    EXPECT_EQ(b.admit(), Admission::kReject);
    clock.t -= milliseconds(ms - 1);
  }
  EXPECT_EQ(b.trips(), 1u);
}

TEST(CircuitBreaker, FailuresInFlightWhileOpenDoNotExtendIt) {
  FakeClock clock;
  CircuitBreaker b({milliseconds(100), milliseconds(2000)}, clock.fn());
  b.on_failure();
  clock.t += milliseconds(50);
  b.on_failure();
  b.on_failure();
  EXPECT_EQ(b.open_interval(), milliseconds(100));
  clock.t += milliseconds(50);
  EXPECT_EQ(b.admit(), Admission::kProbe);
  EXPECT_EQ(b.trips(), 1u);
}

TEST(CircuitBreaker, ASilentProbeIsReplacedAfterTheMaximumInterval) {
  FakeClock clock;
  CircuitBreaker b({milliseconds(100), milliseconds(2000)}, clock.fn());
  b.on_failure();
  clock.t += milliseconds(100);
  ASSERT_EQ(b.admit(), Admission::kProbe);  // never reports
  clock.t += milliseconds(1999);
  EXPECT_EQ(b.admit(), Admission::kReject);
  clock.t += milliseconds(1);
  EXPECT_EQ(b.admit(), Admission::kProbe);
}

}  // namespace
}  // namespace bw::ratelimit
