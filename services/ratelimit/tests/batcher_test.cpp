// The Batcher against a real redis-server: each caller gets exactly its own replies in
// order while many share round trips, NOSCRIPT is recovered on a merged batch, a transport
// error fails every caller, the queue and the wait are bounded, and asynchronous jobs are
// completed exactly once — by their replies, by expiry, or by stop().
#include "batcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "bw/counters/replies.hpp"
#include "bw/redis/errors.hpp"
#include "bw/redis/redis_test.hpp"

namespace bw::ratelimit {
namespace {

using redis::test::options_for;

class BatcherRedis : public redis::test::RedisTest {
 protected:
  counters::Counters counters_;
};

TEST_F(BatcherRedis, ConcurrentCallersGetExactlyTheirOwnRepliesInOrder) {
  Batcher batcher(std::make_shared<redis::Pool>(options(), 1), counters_);
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&batcher, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string tag = std::to_string(t) + "/" + std::to_string(i) + "/";
        std::vector<counters::Command> commands;
        for (int k = 0; k <= i % 4; ++k) commands.push_back({"ECHO", tag + std::to_string(k)});
        auto replies = batcher.run(commands);
        ASSERT_TRUE(replies) << replies.error().message;
        ASSERT_EQ(replies->size(), commands.size());
        for (std::size_t k = 0; k < commands.size(); ++k) EXPECT_EQ((*replies)[k].as_string(), commands[k][1]);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(batcher.jobs_done(), 32u * 50u);
  EXPECT_LT(batcher.round_trips(), batcher.jobs_done());  // 32 callers on one connection shared trips
}

TEST_F(BatcherRedis, NoScriptIsRecoveredOnAMergedBatch) {
  Batcher batcher(std::make_shared<redis::Pool>(options(), 1), counters_);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto key = counters_.fixed_window_command("bw:{rl:t" + std::to_string(t) + "}:w", {10, 3600, false}, 1);
      ASSERT_TRUE(key);
      for (int i = 0; i < 3; ++i) {
        auto replies = batcher.run({key.value()});
        ASSERT_TRUE(replies) << replies.error().message;
        auto d = counters::parse_window_decision((*replies)[0]);
        ASSERT_TRUE(d) << d.error().message;  // never NOSCRIPT: the batch reloaded the script
        allowed += d->allowed;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 24);  // counted exactly once each
}

TEST(BatcherFailures, ATransportErrorFailsEveryCaller) {
  auto server = testing::RedisServer::start();
  ASSERT_TRUE(server) << server.error().message;
  counters::Counters counters;
  Batcher batcher(std::make_shared<redis::Pool>(options_for(*server), 2), counters);
  ASSERT_TRUE(batcher.run({{"PING"}}));
  server->kill();
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto replies = batcher.run({{"ECHO", "x"}, {"ECHO", "y"}});
      failed += !replies;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 8);
}

// A paused server holds the only connection's round trip: one more job may wait (and is
// withdrawn when its wait ends), the next is refused at once.
TEST(BatcherFailures, TheQueueAndTheWaitAreBounded) {
  auto server = testing::RedisServer::start();
  ASSERT_TRUE(server) << server.error().message;
  auto opts = options_for(*server);
  opts.command_timeout = std::chrono::milliseconds(3000);
  counters::Counters counters;
  Batcher batcher(std::make_shared<redis::Pool>(opts, 1), counters,
                  {.connections = 1, .max_batch_commands = 512, .max_queued_jobs = 1,
                   .wait = std::chrono::milliseconds(600)});
  ASSERT_TRUE(batcher.run({{"PING"}}));  // connected
  ASSERT_TRUE(server->pause());
  std::optional<Error> leader_error, waiter_error;
  std::thread leader([&] {
    auto r = batcher.run({{"PING"}});
    if (!r) leader_error = r.error();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::thread waiter([&] {
    auto r = batcher.run({{"PING"}});
    if (!r) waiter_error = r.error();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto refused = batcher.run({{"PING"}});
  ASSERT_FALSE(refused);
  EXPECT_TRUE(redis::has_code(refused.error(), redis::Errc::kPoolExhausted));
  EXPECT_EQ(refused.error().message, "batch queue full");
  waiter.join();
  ASSERT_TRUE(waiter_error);
  EXPECT_TRUE(redis::has_code(*waiter_error, redis::Errc::kPoolExhausted)) << waiter_error->message;
  ASSERT_TRUE(server->resume());
  leader.join();  // its round trip was under way: it waited past `wait` and got its reply
  EXPECT_FALSE(leader_error) << leader_error->message;
}

// submit() never blocks; while the server is paused, queued jobs expire (their wait passes
// before any dispatcher is free) or are failed by stop(); either way each completion runs
// exactly once, and the ones that were sent get their replies once the server resumes.
TEST(BatcherAsync, EveryJobCompletesExactlyOnce) {
  auto server = testing::RedisServer::start();
  ASSERT_TRUE(server) << server.error().message;
  auto opts = options_for(*server);
  opts.command_timeout = std::chrono::milliseconds(3000);
  counters::Counters counters;
  std::vector<std::atomic<int>> calls(200);
  std::atomic<int> replied{0}, failed{0};
  {
    Batcher batcher(std::make_shared<redis::Pool>(opts, 1), counters,
                    {.connections = 1, .max_batch_commands = 4, .max_queued_jobs = 1000,
                     .wait = std::chrono::milliseconds(300)});
    ASSERT_TRUE(batcher.run({{"PING"}}));
    ASSERT_TRUE(server->pause());
    for (std::size_t i = 0; i < calls.size(); ++i) {
      batcher.submit({{"ECHO", std::to_string(i)}}, [&, i](Batcher::Replies r) {
        ++calls[i];
        if (r && r->size() == 1 && r->front().as_string() == std::to_string(i)) ++replied;
        else if (!r) ++failed;
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_TRUE(server->resume());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    batcher.stop();  // fails whatever is still queued; joins the dispatcher
    batcher.submit({{"PING"}}, [&](Batcher::Replies r) { failed += !r; });  // refused after stop
  }
  int total = 0;
  for (auto& c : calls) {
    EXPECT_EQ(c.load(), 1);
    total += c.load();
  }
  EXPECT_EQ(total, 200);
  EXPECT_EQ(replied.load() + failed.load(), 201);
  EXPECT_GE(replied.load(), 1);   // the first batch was sent before the pause ended
  EXPECT_GE(failed.load(), 150);  // the rest expired while it was paused, or were stopped
}

}  // namespace
}  // namespace bw::ratelimit
