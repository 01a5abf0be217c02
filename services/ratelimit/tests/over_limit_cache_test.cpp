// OverLimitCache with an injected clock: expiry at the window's end, bounded size, eviction.
#include "core/over_limit_cache.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace bw::ratelimit {
namespace {

using std::chrono::milliseconds;

struct FakeClock {
  std::chrono::steady_clock::time_point t{std::chrono::hours(1)};
  SteadyNow fn() {
    return [this] { return t; };
  }
};

TEST(OverLimitCache, AnswersUntilTheWindowEndsThenForgets) {
  FakeClock clock;
  OverLimitCache cache(100, clock.fn());
  EXPECT_FALSE(cache.remaining("k"));
  cache.insert("k", milliseconds(1500));
  ASSERT_TRUE(cache.remaining("k"));
  EXPECT_EQ(*cache.remaining("k"), milliseconds(1500));
  clock.t += milliseconds(1499);
  EXPECT_EQ(*cache.remaining("k"), milliseconds(1));
  clock.t += milliseconds(1);
  EXPECT_FALSE(cache.remaining("k"));
  EXPECT_EQ(cache.size(), 0u);  // the expired entry was dropped when seen
}

TEST(OverLimitCache, IgnoresNonPositiveTtlAndKeepsTheLaterExpiry) {
  FakeClock clock;
  OverLimitCache cache(100, clock.fn());
  cache.insert("zero", milliseconds(0));
  cache.insert("negative", milliseconds(-5));
  EXPECT_EQ(cache.size(), 0u);
  cache.insert("k", milliseconds(1000));
  cache.insert("k", milliseconds(200));
  EXPECT_EQ(*cache.remaining("k"), milliseconds(1000));
  cache.insert("k", milliseconds(3000));
  EXPECT_EQ(*cache.remaining("k"), milliseconds(3000));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(OverLimitCache, StaysWithinCapacityEvictingExpiredThenSoonestFirst) {
  FakeClock clock;
  OverLimitCache cache(3, clock.fn(), 1);
  cache.insert("expires-soon", milliseconds(10));
  cache.insert("long", milliseconds(10'000));
  cache.insert("middle", milliseconds(5'000));
  clock.t += milliseconds(20);  // "expires-soon" is now expired
  cache.insert("new1", milliseconds(8'000));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.remaining("expires-soon"));
  cache.insert("new2", milliseconds(9'000));  // full, none expired: the soonest ("middle") goes
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.remaining("middle"));
  EXPECT_TRUE(cache.remaining("long"));
  EXPECT_TRUE(cache.remaining("new1"));
  EXPECT_TRUE(cache.remaining("new2"));
}

TEST(OverLimitCache, ClearForgetsEverything) {
  FakeClock clock;
  OverLimitCache cache(100, clock.fn(), 1);
  for (int i = 0; i < 50; ++i) cache.insert("k" + std::to_string(i), milliseconds(1000));
  EXPECT_EQ(cache.size(), 50u);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.remaining("k1"));
}

// Eight threads inserting and reading at once: below capacity nothing is lost; above it
// the bound holds.
void hammer(OverLimitCache& cache, int threads, int per_thread, bool expect_present) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&cache, t, per_thread, expect_present] {
      for (int i = 0; i < per_thread; ++i) {
        const auto key = std::to_string(t) + ":" + std::to_string(i);
        cache.insert(key, milliseconds(60'000));
        if (expect_present) {
          EXPECT_TRUE(cache.remaining(key));
        }
      }
    });
  }
  for (auto& th : pool) th.join();
}

TEST(OverLimitCache, ConcurrentUseBelowCapacityLosesNothing) {
  OverLimitCache cache(100'000);
  hammer(cache, 8, 2000, true);
  EXPECT_EQ(cache.size(), 16'000u);
}

TEST(OverLimitCache, ConcurrentUseAboveCapacityStaysBounded) {
  OverLimitCache cache(1600);  // 16 shards of 100
  hammer(cache, 8, 2000, false);
  EXPECT_LE(cache.size(), 1600u);
  EXPECT_GE(cache.size(), 1000u);  // every shard saw far more than 100 keys
}

}  // namespace
}  // namespace bw::ratelimit
