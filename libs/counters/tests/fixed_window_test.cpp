// Fixed windows against a real Redis: exact admission under contention from two service
// instances, TTL to the window's end, roll-over at the boundary, Envoy counting mode, and
// nonsense refused without a round trip.
#include <atomic>

#include "bw/redis/errors.hpp"
#include "counters_fixture.hpp"

namespace bw::counters {
namespace {

using test::CountersTest;
using std::chrono::milliseconds;

class FixedWindow : public CountersTest {};

TEST_F(FixedWindow, AdmitsUpToTheLimitThenDenies) {
  wait_for_window_room(3600, 2000);
  FixedWindowLimit limit{.limit = 2, .unit_seconds = 3600};
  auto first = counters_.fixed_window(conn_, key("w"), limit, 1);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->allowed);
  EXPECT_EQ(first->current, 1);
  EXPECT_EQ(first->remaining, 1);
  EXPECT_GT(first->reset_after_ms, 0);
  EXPECT_LE(first->reset_after_ms, 3'600'000);
  EXPECT_TRUE(counters_.fixed_window(conn_, key("w"), limit, 1)->allowed);
  auto third = counters_.fixed_window(conn_, key("w"), limit, 1);
  EXPECT_FALSE(third->allowed);
  EXPECT_EQ(third->current, 2);  // denied hits are not counted
  EXPECT_EQ(third->remaining, 0);
}

TEST_F(FixedWindow, AdmitsExactlyTheLimitUnderContention) {
  wait_for_window_room(3600, 3000);
  const FixedWindowLimit limit{.limit = 100, .unit_seconds = 3600};
  std::atomic<int> allowed{0}, failed{0};
  hammer(2, 8, [&](redis::Pool& pool) {
    for (int i = 0; i < 20; ++i) {
      auto lease = pool.checkout(milliseconds(2000));
      if (!lease) { ++failed; continue; }
      auto d = counters_.fixed_window(**lease, key("hot"), limit, 1);
      if (!d) { ++failed; continue; }
      if (d->allowed) ++allowed;
    }
  });
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(allowed.load(), 100);  // 320 attempts, exactly the limit admitted
  EXPECT_EQ(conn_.command({"HGET", key("hot"), "n"})->as_string(), "100");
}

TEST_F(FixedWindow, EnvoyModeCountsDeniedHits) {
  wait_for_window_room(3600, 2000);
  FixedWindowLimit limit{.limit = 3, .unit_seconds = 3600, .count_denied = true};
  EXPECT_TRUE(counters_.fixed_window(conn_, key("e"), limit, 2)->allowed);
  auto over = counters_.fixed_window(conn_, key("e"), limit, 2);
  EXPECT_FALSE(over->allowed);
  EXPECT_EQ(over->current, 4);
  EXPECT_FALSE(counters_.fixed_window(conn_, key("e"), limit, 1)->allowed);
}

TEST_F(FixedWindow, KeyExpiresWhenTheWindowEnds) {
  FixedWindowLimit limit{.limit = 5, .unit_seconds = 60};
  auto d = counters_.fixed_window(conn_, key("ttl"), limit, 1);
  ASSERT_TRUE(d.ok());
  std::int64_t ttl = pttl(key("ttl"));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, d->reset_after_ms);
}

TEST_F(FixedWindow, ZeroHitsReadsWithoutWriting) {
  auto d = counters_.fixed_window(conn_, key("read"), {.limit = 5, .unit_seconds = 60}, 0);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->allowed);
  EXPECT_EQ(d->remaining, 5);
  EXPECT_EQ(conn_.command({"EXISTS", key("read")})->as_integer(), 0);
}

TEST_F(FixedWindow, CountResetsWhenTheWindowRollsOver) {
  const FixedWindowLimit limit{.limit = 2, .unit_seconds = 1};
  wait_for_window_room(1, 400);
  std::int64_t started_us = redis_now_us();
  EXPECT_TRUE(counters_.fixed_window(conn_, key("roll"), limit, 2)->allowed);
  auto full = counters_.fixed_window(conn_, key("roll"), limit, 1);
  EXPECT_FALSE(full->allowed);
  // Poll Redis's clock until the next second has begun (at most ~600 ms away).
  while (redis_now_us() / 1'000'000 == started_us / 1'000'000) {
    std::this_thread::sleep_for(milliseconds(std::max<std::int64_t>(1, full->reset_after_ms / 4)));
  }
  auto next = counters_.fixed_window(conn_, key("roll"), limit, 1);
  EXPECT_TRUE(next->allowed);
  EXPECT_EQ(next->current, 1);
}

TEST_F(FixedWindow, RefusesNonsenseWithoutARoundTrip) {
  redis::ConnectionOptions nowhere = options();
  nowhere.port = 1;  // nothing listens: any attempt to send would fail with kConnect
  redis::Connection conn(nowhere);
  auto bad_limit = counters_.fixed_window(conn, key("x"), {.limit = 0, .unit_seconds = 1}, 1);
  auto bad_hits = counters_.fixed_window(conn, key("x"), {.limit = 1, .unit_seconds = 1}, -1);
  auto untagged = counters_.fixed_window(conn, "bw:x", {.limit = 1, .unit_seconds = 1}, 1);
  for (const auto* r : {&bad_limit, &bad_hits, &untagged}) {
    ASSERT_FALSE(r->ok());
    EXPECT_TRUE(redis::has_code(r->error(), redis::Errc::kInvalidArgument)) << r->error().message;
  }
  EXPECT_EQ(conn.stats().connect_failures, 0u);
}

}  // namespace
}  // namespace bw::counters
