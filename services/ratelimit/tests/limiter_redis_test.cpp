// The Limiter against a real redis-server, without gRPC: exact admission under 64 threads,
// and the throughput of that load (printed, never asserted: the figures go in the report).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "bw/redis/redis_test.hpp"
#include "limiter.hpp"

namespace bw::ratelimit {
namespace {

constexpr const char* kRules = R"(domain: api
descriptors:
  - key: tenant
    rate_limit: {unit: hour, requests_per_unit: 1000000}
  - key: hot
    rate_limit: {unit: hour, requests_per_unit: 500}
)";

class LimiterRedis : public redis::test::RedisTest {
 protected:
  std::shared_ptr<Limiter> make_limiter(LimiterOptions o = {}) {
    std::vector<RuleFile> files{{"rules.yaml", kRules}};
    auto rules = load_rules(files);
    EXPECT_TRUE(rules) << rules.error().message;
    auto pool = std::make_shared<redis::Pool>(options(), 8);
    return std::make_shared<Limiter>(std::make_shared<const RuleSet>(std::move(rules.value())), pool, metrics_,
                                     std::move(o));
  }
  static Request request(const std::string& key, const std::string& value) {
    return Request{"api", {RequestDescriptor{{Entry{key, value}}, std::nullopt}}, 0};
  }
  metrics::Factory metrics_{"ratelimit", "test"};
};

TEST_F(LimiterRedis, SixtyFourThreadsAdmitExactlyTheLimitOfOneDescriptor) {
  auto limiter = make_limiter();
  std::atomic<int> admitted{0}, degraded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 64; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto d = limiter->decide(request("hot", "one"));
        if (!d || d->degraded) ++degraded;
        else if (!d->over_limit) ++admitted;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(degraded.load(), 0);
  EXPECT_EQ(admitted.load(), 500);
}

// 64 callers, each on its own descriptor: what batching is for. Prints decisions per second
// and latency percentiles for one request per round trip (max_batch_commands = 1, the
// behaviour before batching) beside batched runs on 8 and 2 connections, interleaved so
// all see the same machine load; asserts only that every decision was a real one.
TEST_F(LimiterRedis, SixtyFourThreadsLoadIsDecidedByRedis) {
  struct Setup {
    const char* name;
    std::size_t connections;
    std::size_t max_batch;
  };
  const Setup setups[] = {{"unbatched, 8 conns", 8, 1}, {"batched, 8 conns", 8, 512}, {"batched, 2 conns", 2, 512}};
  for (int round = 0; round < 2; ++round) {
    for (const auto& setup : setups) {
      LimiterOptions o;
      o.batcher.connections = setup.connections;
      o.batcher.max_batch_commands = setup.max_batch;
      auto limiter = make_limiter(o);
      constexpr int kThreads = 64;
      constexpr int kPerThread = 200;
      std::vector<std::vector<double>> latencies(kThreads);
      std::atomic<int> degraded{0};
      std::vector<std::thread> threads;
      const auto started = std::chrono::steady_clock::now();
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < kPerThread; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            auto d = limiter->decide(request("tenant", "t" + std::to_string(t)));
            latencies[t].push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            if (!d || d->degraded || d->over_limit) ++degraded;
          }
        });
      }
      for (auto& th : threads) th.join();
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::vector<double> all;
      for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
      std::sort(all.begin(), all.end());
      std::printf("limiter load (%s): %d threads, %zu decisions in %.2f s = %.0f/s, p50 %.2f ms, p99 %.2f ms\n",
                  setup.name, kThreads, all.size(), secs, static_cast<double>(all.size()) / secs, all[all.size() / 2],
                  all[all.size() * 99 / 100]);
      EXPECT_EQ(degraded.load(), 0) << setup.name;
    }
  }
}

}  // namespace
}  // namespace bw::ratelimit
