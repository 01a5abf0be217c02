// GCRA against a real Redis: exactly the burst admitted at one instant under contention,
// refill after one emission interval, and a TTL that ends when the bucket is full again.
#include <atomic>

#include "counters_fixture.hpp"

namespace bw::counters {
namespace {

using test::CountersTest;
using std::chrono::milliseconds;

class Gcra : public CountersTest {};

TEST_F(Gcra, AdmitsExactlyTheBurstUnderContention) {
  // One cell per minute: nothing refills while the test runs, so only the burst fits.
  const GcraLimit limit{.rate = 1, .period_ms = 60'000, .burst = 25};
  std::atomic<int> allowed{0}, failed{0};
  hammer(2, 8, [&](redis::Pool& pool) {
    for (int i = 0; i < 10; ++i) {
      auto lease = pool.checkout(milliseconds(2000));
      if (!lease) { ++failed; continue; }
      auto d = counters_.gcra(**lease, key("burst"), limit, 1);
      if (!d) { ++failed; continue; }
      if (d->allowed) ++allowed;
    }
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(allowed.load(), 25);  // 160 attempts
}

TEST_F(Gcra, DeniedRequestIsToldWhenToRetryAndThenFits) {
  const GcraLimit limit{.rate = 20, .period_ms = 1000, .burst = 1};  // 50 ms interval
  EXPECT_TRUE(counters_.gcra(conn_, key("g"), limit, 1)->allowed);
  auto denied = counters_.gcra(conn_, key("g"), limit, 1);
  ASSERT_TRUE(denied.ok());
  ASSERT_FALSE(denied->allowed);
  EXPECT_GT(denied->retry_after_ms, 0);
  EXPECT_LE(denied->retry_after_ms, 50);
  std::this_thread::sleep_for(milliseconds(denied->retry_after_ms + 1));
  EXPECT_TRUE(counters_.gcra(conn_, key("g"), limit, 1)->allowed);
}

TEST_F(Gcra, KeyLivesUntilTheBucketIsFullAgain) {
  const GcraLimit limit{.rate = 10, .period_ms = 1000, .burst = 5};  // 100 ms interval
  auto d = counters_.gcra(conn_, key("ttl"), limit, 3);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->allowed);
  EXPECT_EQ(d->remaining, 2);
  EXPECT_EQ(d->reset_after_ms, 300);
  std::int64_t ttl = pttl(key("ttl"));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 300);
}

TEST_F(Gcra, MoreHitsThanTheBurstNeverFit) {
  auto d = counters_.gcra(conn_, key("big"), {.rate = 10, .period_ms = 1000, .burst = 5}, 6);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->allowed);
  EXPECT_EQ(d->retry_after_ms, -1);
  EXPECT_EQ(conn_.command({"EXISTS", key("big")})->as_integer(), 0);
}

TEST_F(Gcra, LargestSpansStayExactIntegers) {
  // One cell per year with a burst of 3: TATs ~1e14 µs ahead, the bound validation allows.
  const GcraLimit limit{.rate = 1, .period_ms = kMaxPeriodMs, .burst = 3};
  const std::int64_t interval = emission_interval_us(limit);
  std::int64_t t0 = redis_now_us();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(counters_.gcra(conn_, key("year"), limit, 1)->allowed);
  EXPECT_FALSE(counters_.gcra(conn_, key("year"), limit, 1)->allowed);
  std::int64_t t1 = redis_now_us();
  std::string stored = conn_.command({"GET", key("year")})->as_string();
  ASSERT_EQ(stored.find_first_not_of("0123456789"), std::string::npos) << stored;
  std::int64_t tat = std::stoll(stored);
  EXPECT_GE(tat, t0 + 3 * interval);
  EXPECT_LE(tat, t1 + 3 * interval);
  EXPECT_GT(pttl(key("year")), 3 * interval / 1000 - 1000);
}

}  // namespace
}  // namespace bw::counters
