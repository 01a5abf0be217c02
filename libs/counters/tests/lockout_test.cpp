// Lockout against a real Redis: the threshold-th failure bans, nothing is counted while
// banned, parallel attempts never get past the threshold, clear lifts the ban, and both
// keys live in one hash slot with TTLs.
#include <atomic>

#include "counters_fixture.hpp"

namespace bw::counters {
namespace {

using test::CountersTest;
using std::chrono::milliseconds;

class Lockout : public CountersTest {};

const LockoutPolicy kPolicy{.threshold = 3, .window_ms = 60'000, .ban_ms = 900'000};

TEST_F(Lockout, TheThresholdthFailureBans) {
  const std::string p = key("acct:7");
  auto one = counters_.record_failure(conn_, p, kPolicy);
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_TRUE(one->recorded);
  EXPECT_FALSE(one->locked);
  EXPECT_EQ(one->failures, 1);
  EXPECT_FALSE(counters_.record_failure(conn_, p, kPolicy)->locked);
  auto third = counters_.record_failure(conn_, p, kPolicy);
  EXPECT_TRUE(third->recorded);
  EXPECT_TRUE(third->locked);
  EXPECT_EQ(third->retry_after_ms, 900'000);
  auto fourth = counters_.record_failure(conn_, p, kPolicy);
  EXPECT_FALSE(fourth->recorded);
  EXPECT_TRUE(fourth->locked);
  EXPECT_EQ(fourth->failures, 3);
  auto state = counters_.lockout_state(conn_, p);
  EXPECT_TRUE(state->locked);
  EXPECT_GT(state->retry_after_ms, 0);
}

TEST_F(Lockout, ParallelAttemptsNeverPassTheThreshold) {
  const LockoutPolicy policy{.threshold = 10, .window_ms = 60'000, .ban_ms = 60'000};
  std::atomic<int> recorded{0}, bans{0}, failed{0};
  hammer(2, 8, [&](redis::Pool& pool) {
    for (int i = 0; i < 5; ++i) {
      auto lease = pool.checkout(milliseconds(2000));
      if (!lease) { ++failed; continue; }
      auto s = counters_.record_failure(**lease, key("acct:race"), policy);
      if (!s) { ++failed; continue; }
      if (s->recorded) ++recorded;
      if (s->recorded && s->locked) ++bans;
    }
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(recorded.load(), 10);  // 80 attempts, exactly the threshold counted
  EXPECT_EQ(bans.load(), 1);       // exactly one call set the ban
  EXPECT_TRUE(counters_.lockout_state(conn_, key("acct:race"))->locked);
}

TEST_F(Lockout, ClearLiftsTheBan) {
  const std::string p = key("acct:c");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(counters_.record_failure(conn_, p, kPolicy).ok());
  ASSERT_TRUE(counters_.clear_lockout(conn_, p).ok());
  auto state = counters_.lockout_state(conn_, p);
  EXPECT_FALSE(state->locked);
  EXPECT_EQ(state->failures, 0);
}

TEST_F(Lockout, CountingStartsAfreshWhenTheBanEnds) {
  const std::string p = key("acct:short");
  const LockoutPolicy policy{.threshold = 2, .window_ms = 60'000, .ban_ms = 30};
  counters_.record_failure(conn_, p, policy).value();
  EXPECT_TRUE(counters_.record_failure(conn_, p, policy)->locked);
  while (counters_.lockout_state(conn_, p)->locked) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  auto after = counters_.record_failure(conn_, p, policy);
  EXPECT_TRUE(after->recorded);
  EXPECT_EQ(after->failures, 1);
}

TEST_F(Lockout, BothKeysCarryATtlAndShareOneSlot) {
  const std::string p = key("acct:k");
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(counters_.record_failure(conn_, p, kPolicy).ok());
  LockoutKeys keys = lockout_keys(p);
  EXPECT_GT(pttl(keys.failures), 0);
  ASSERT_TRUE(counters_.record_failure(conn_, p, kPolicy)->locked);
  EXPECT_GT(pttl(keys.failures), 0);
  EXPECT_GT(pttl(keys.ban), 0);
  EXPECT_EQ(redis::hash_slot(keys.failures), redis::hash_slot(keys.ban));
}

}  // namespace
}  // namespace bw::counters
