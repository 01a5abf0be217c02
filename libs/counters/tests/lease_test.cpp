// Quota leases against a real Redis: grants are partial at the edge of the budget, leases
// and single decisions share one budget, parallel takers never get more than the limit,
// a return credits once and only within the lease's validity and window, and every key
// carries a TTL.
#include <atomic>

#include "bw/redis/errors.hpp"
#include "counters_fixture.hpp"

namespace bw::counters {
namespace {

using test::CountersTest;
using std::chrono::milliseconds;

class Lease : public CountersTest {};

const FixedWindowLimit kHour{.limit = 100, .unit_seconds = 3600};
const GcraLimit kGcra{.rate = 10, .period_ms = 3'600'000, .burst = 20};

TEST_F(Lease, GrantsWhatIsLeftAndSharesTheBudgetWithDecisions) {
  wait_for_window_room(3600, 5000);
  auto a = counters_.take_lease(conn_, key("w"), key("lease:a"), kHour, 60, 10'000);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->granted, 60);
  EXPECT_EQ(a->remaining, 40);
  EXPECT_EQ(a->valid_ms, 10'000);
  auto d = counters_.fixed_window(conn_, key("w"), kHour, 30);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->allowed);
  EXPECT_EQ(d->current, 90);
  auto b = counters_.take_lease(conn_, key("w"), key("lease:b"), kHour, 60, 10'000);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->granted, 10);  // partial: only 10 left
  EXPECT_EQ(b->remaining, 0);
  auto c = counters_.take_lease(conn_, key("w"), key("lease:c"), kHour, 1, 10'000);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->granted, 0);
  EXPECT_EQ(c->valid_ms, 0);
  EXPECT_GT(c->after_ms, 0);
  EXPECT_EQ(conn_.command({"EXISTS", key("lease:c")})->as_integer(), 0);  // no record for nothing
  EXPECT_FALSE(counters_.fixed_window(conn_, key("w"), kHour, 1)->allowed);
}

TEST_F(Lease, ReturnCreditsOnceAndNeverMoreThanGranted) {
  wait_for_window_room(3600, 5000);
  ASSERT_EQ(counters_.take_lease(conn_, key("w"), key("lease:a"), kHour, 50, 10'000)->granted, 50);
  auto credited = counters_.return_lease(conn_, key("w"), key("lease:a"), kHour, 500);
  ASSERT_TRUE(credited.ok()) << credited.error().message;
  EXPECT_EQ(*credited, 50);  // clamped to the grant
  EXPECT_EQ(*counters_.return_lease(conn_, key("w"), key("lease:a"), kHour, 50), 0);  // second return
  EXPECT_EQ(counters_.fixed_window(conn_, key("w"), kHour, 0)->current, 0);
  EXPECT_EQ(*counters_.return_lease(conn_, key("w"), key("lease:never"), kHour, 5), 0);  // unknown lease
}

TEST_F(Lease, ExpiredLeaseCreditsNothing) {
  wait_for_window_room(3600, 5000);
  ASSERT_EQ(counters_.take_lease(conn_, key("w"), key("lease:a"), kHour, 10, 50)->granted, 10);
  std::this_thread::sleep_for(milliseconds(120));
  EXPECT_EQ(*counters_.return_lease(conn_, key("w"), key("lease:a"), kHour, 10), 0);
  EXPECT_EQ(counters_.fixed_window(conn_, key("w"), kHour, 0)->current, 10);  // forfeit, not refunded
}

TEST_F(Lease, LeaseNeverOutlivesItsWindow) {
  const FixedWindowLimit second{.limit = 5, .unit_seconds = 1};
  auto a = counters_.take_lease(conn_, key("w1"), key("lease:a"), second, 5, 60'000);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->granted, 5);
  EXPECT_LE(a->valid_ms, 1000);
  EXPECT_LE(pttl(key("lease:a")), 1000);
  EXPECT_GT(pttl(key("lease:a")), 0);
}

TEST_F(Lease, ReturnAfterTheWindowRolledCreditsNothing) {
  const FixedWindowLimit second{.limit = 5, .unit_seconds = 1};
  wait_for_window_room(1, 600);
  ASSERT_EQ(counters_.take_lease(conn_, key("w1"), key("lease:a"), second, 3, 60'000)->granted, 3);
  // Make the record outlive the window artificially, as a slow Redis clock could not;
  // the window check must still refuse the credit.
  ASSERT_TRUE(conn_.command({"PEXPIRE", key("lease:a"), "5000"}).ok());
  const auto now = redis_now_us();
  std::this_thread::sleep_for(milliseconds(window_reset_after_ms(now, 1) + 20));
  EXPECT_EQ(*counters_.return_lease(conn_, key("w1"), key("lease:a"), second, 3), 0);
  EXPECT_EQ(counters_.fixed_window(conn_, key("w1"), second, 0)->current, 0);
}

TEST_F(Lease, ParallelTakersNeverExceedTheLimit) {
  wait_for_window_room(3600, 10'000);
  std::atomic<std::int64_t> granted{0};
  std::atomic<int> failed{0}, ids{0};
  hammer(2, 8, [&](redis::Pool& pool) {
    for (int i = 0; i < 10; ++i) {
      auto lease = pool.checkout(milliseconds(2000));
      if (!lease) { ++failed; continue; }
      auto g = counters_.take_lease(**lease, key("w"), key("lease:" + std::to_string(ids++)), kHour, 3, 10'000);
      if (!g) { ++failed; continue; }
      granted += g->granted;
    }
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(granted.load(), 100);  // 160 asks for 3: exactly the limit handed out
  EXPECT_EQ(counters_.fixed_window(conn_, key("w"), kHour, 0)->current, 100);
}

TEST_F(Lease, GcraLeaseTakesCellsAndReturnsThem) {
  auto a = counters_.take_lease(conn_, key("g"), key("lease:a"), kGcra, 15, 10'000);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->granted, 15);
  EXPECT_EQ(a->remaining, 5);
  auto b = counters_.take_lease(conn_, key("g"), key("lease:b"), kGcra, 15, 10'000);
  EXPECT_EQ(b->granted, 5);  // the rest of the burst
  auto c = counters_.take_lease(conn_, key("g"), key("lease:c"), kGcra, 1, 10'000);
  EXPECT_EQ(c->granted, 0);
  EXPECT_GT(c->after_ms, 300'000);  // next cell in ≈ 6 minutes (10 per hour)
  EXPECT_FALSE(counters_.gcra(conn_, key("g"), kGcra, 1)->allowed);
  EXPECT_EQ(*counters_.return_lease(conn_, key("g"), key("lease:a"), kGcra, 4), 4);
  EXPECT_EQ(*counters_.return_lease(conn_, key("g"), key("lease:a"), kGcra, 4), 0);
  auto d = counters_.gcra(conn_, key("g"), kGcra, 4);
  EXPECT_TRUE(d->allowed);  // the 4 returned cells can be spent again
  EXPECT_FALSE(counters_.gcra(conn_, key("g"), kGcra, 1)->allowed);
  EXPECT_GT(pttl(key("g")), 0);
}

TEST_F(Lease, GcraParallelTakersGetExactlyTheBurst) {
  std::atomic<std::int64_t> granted{0};
  std::atomic<int> failed{0}, ids{0};
  hammer(2, 8, [&](redis::Pool& pool) {
    for (int i = 0; i < 5; ++i) {
      auto lease = pool.checkout(milliseconds(2000));
      if (!lease) { ++failed; continue; }
      auto g = counters_.take_lease(**lease, key("g"), key("lease:" + std::to_string(ids++)), kGcra, 2, 10'000);
      if (!g) { ++failed; continue; }
      granted += g->granted;
    }
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(granted.load(), 20);
}

TEST_F(Lease, BadArgumentsAreRefusedBeforeAnyRoundTrip) {
  EXPECT_FALSE(counters_.take_lease(conn_, key("w"), key("w"), kHour, 1, 1000).ok());  // same key
  EXPECT_FALSE(counters_.take_lease(conn_, key("w"), "bw:{rl:other}:lease", kHour, 1, 1000).ok());
  EXPECT_FALSE(counters_.take_lease(conn_, key("w"), key("lease"), kHour, 0, 1000).ok());
  EXPECT_FALSE(counters_.take_lease(conn_, key("w"), key("lease"), kHour, 1, 0).ok());
  EXPECT_FALSE(counters_.return_lease(conn_, key("w"), key("lease"), kHour, -1).ok());
  auto e = counters_.take_lease(conn_, key("w"), key("lease"), kGcra, kMaxHits + 1, 1000);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, static_cast<int>(redis::Errc::kInvalidArgument));
}

}  // namespace
}  // namespace bw::counters
