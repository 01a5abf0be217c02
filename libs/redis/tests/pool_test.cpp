// Pool: leases are exclusive, returned on destruction, bounded in number, and safe to use
// from several threads at once.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "bw/redis/errors.hpp"
#include "bw/redis/pool.hpp"
#include "bw/redis/redis_test.hpp"

namespace bw::redis {
namespace {

using std::chrono::milliseconds;
using test::RedisTest;

class PoolTest : public RedisTest {};

TEST_F(PoolTest, LeaseReturnsItsConnectionOnDestruction) {
  Pool pool(options(), 2);
  EXPECT_EQ(pool.available(), 2u);
  {
    auto lease = pool.checkout(milliseconds(10));
    ASSERT_TRUE(lease.ok()) << lease.error().message;
    EXPECT_EQ(pool.available(), 1u);
    EXPECT_EQ(*(*lease)->command({"PING"}), Reply::status("PONG"));
  }
  EXPECT_EQ(pool.available(), 2u);
}

TEST_F(PoolTest, CheckoutTimesOutWhenAllConnectionsAreLeased) {
  Pool pool(options(), 1);
  auto first = pool.checkout(milliseconds(10));
  ASSERT_TRUE(first.ok());
  auto second = pool.checkout(milliseconds(30));
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(has_code(second.error(), Errc::kPoolExhausted));
}

TEST_F(PoolTest, WaitingCheckoutGetsAConnectionWhenOneIsReturned) {
  Pool pool(options(), 1);
  auto held = pool.checkout(milliseconds(10));
  ASSERT_TRUE(held.ok());
  std::thread releaser([lease = std::move(held).value()]() mutable {
    std::this_thread::sleep_for(milliseconds(30));
    auto done = std::move(lease);
  });
  auto waited = pool.checkout(milliseconds(5000));
  releaser.join();
  EXPECT_TRUE(waited.ok());
}

TEST_F(PoolTest, ThreadsShareThePoolWithoutLosingUpdates) {
  Pool pool(options(), 3);
  constexpr int kThreads = 6;
  constexpr int kIncrements = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        auto lease = pool.checkout(milliseconds(5000));
        if (!lease || !(*lease)->command({"INCR", "shared"}).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  Connection check(options());
  EXPECT_EQ(*check.command({"GET", "shared"}),
            Reply::string(std::to_string(kThreads * kIncrements)));
  EXPECT_EQ(pool.available(), 3u);
}

}  // namespace
}  // namespace bw::redis
