// backoff_delay: no wait before the first attempt, equal jitter, exponential growth, cap.
#include <gtest/gtest.h>

#include <climits>

#include "bw/redis/retry_policy.hpp"

namespace bw::redis {
namespace {

using std::chrono::milliseconds;

RetryPolicy policy(int base, int cap) {
  RetryPolicy p;
  p.base_backoff = milliseconds(base);
  p.max_backoff = milliseconds(cap);
  return p;
}

TEST(Backoff, NoWaitBeforeTheFirstAttempt) {
  EXPECT_EQ(backoff_delay(policy(25, 400), 1, 0.99), milliseconds(0));
  EXPECT_EQ(backoff_delay(policy(25, 400), 0, 0.5), milliseconds(0));
}

TEST(Backoff, EqualJitterSpansHalfToFullCeiling) {
  RetryPolicy p = policy(100, 10000);
  EXPECT_EQ(backoff_delay(p, 2, 0.0), milliseconds(50));
  EXPECT_EQ(backoff_delay(p, 2, 0.5), milliseconds(75));
  EXPECT_EQ(backoff_delay(p, 2, 0.999), milliseconds(99));
}

TEST(Backoff, DoublesPerAttempt) {
  RetryPolicy p = policy(100, 10000);
  EXPECT_EQ(backoff_delay(p, 3, 0.0), milliseconds(100));
  EXPECT_EQ(backoff_delay(p, 4, 0.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(p, 5, 0.0), milliseconds(400));
}

TEST(Backoff, NeverExceedsTheCapEvenForHugeAttempts) {
  RetryPolicy p = policy(100, 300);
  EXPECT_EQ(backoff_delay(p, 10, 0.0), milliseconds(150));
  EXPECT_LE(backoff_delay(p, INT_MAX, 1.0), milliseconds(300));
}

TEST(Backoff, ClampsOutOfRangeRandomAndZeroBase) {
  RetryPolicy p = policy(100, 1000);
  EXPECT_EQ(backoff_delay(p, 2, -3.0), milliseconds(50));
  EXPECT_EQ(backoff_delay(p, 2, 7.0), milliseconds(100));
  EXPECT_EQ(backoff_delay(policy(0, 1000), 50, 0.5), milliseconds(0));
}

}  // namespace
}  // namespace bw::redis
