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
  - key: small
    rate_limit: {unit: hour, requests_per_unit: 3}
---
domain: login
descriptors:
  - key: account
    rate_limit: {unit: hour, requests_per_unit: 3}
)";

// The value of one series in the Prometheus text, or -1 when absent.
double series(const metrics::Factory& metrics, const std::string& line_prefix) {
  const auto text = metrics.serialize();
  const auto at = text.find("\n" + line_prefix);
  if (at == std::string::npos) return -1;
  const auto end = text.find('\n', at + 1);
  const auto line = text.substr(at + 1, end - at - 1);
  return std::stod(line.substr(line.rfind(' ') + 1));
}

class LimiterRedis : public redis::test::RedisTest {
 public:
  static std::shared_ptr<const RuleSet> rules() {
    std::vector<RuleFile> files{{"rules.yaml", kRules}};
    auto rules = load_rules(files);
    EXPECT_TRUE(rules) << rules.error().message;
    return std::make_shared<const RuleSet>(std::move(rules.value()));
  }
  std::shared_ptr<Limiter> make_limiter(LimiterOptions o = {}, std::optional<redis::ConnectionOptions> to = {}) {
    auto pool = std::make_shared<redis::Pool>(to ? *to : options(), 8);
    return std::make_shared<Limiter>(rules(), pool, metrics_, std::move(o));
  }
  static Request request(const std::string& key, const std::string& value, const std::string& domain = "api") {
    return Request{domain, {RequestDescriptor{{Entry{key, value}}, std::nullopt}}, 0};
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

// Once Redis said the window is full, the cache answers: even with the counters wiped
// behind its back, the key stays OVER_LIMIT until the window ends or the rules change.
TEST_F(LimiterRedis, FullWindowIsAnsweredFromTheCacheWithoutRedis) {
  auto limiter = make_limiter();
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(limiter->decide(request("small", "k"))->over_limit);
  auto refused = limiter->decide(request("small", "k"));  // Redis: window full, remaining 0
  ASSERT_TRUE(refused->over_limit);
  redis::Connection admin(options());
  ASSERT_TRUE(admin.command({"FLUSHALL"}));
  auto cached = limiter->decide(request("small", "k"));
  ASSERT_TRUE(cached);
  EXPECT_TRUE(cached->over_limit);
  EXPECT_EQ(cached->statuses[0].remaining, 0u);
  EXPECT_GT(cached->statuses[0].reset_after_ms, 0);
  EXPECT_LE(cached->statuses[0].reset_after_ms, refused->statuses[0].reset_after_ms);
  const std::string labels = "{domain=\"api\",rule=\"api.small\"}";
  EXPECT_EQ(series(metrics_, "breakwater_ratelimit_over_limit_cache_hits_total" + labels), 1);
  EXPECT_EQ(series(metrics_, "breakwater_ratelimit_decisions_total{domain=\"api\",result=\"over_limit\",rule=\"api.small\"}"), 2);
  EXPECT_FALSE(limiter->decide(request("small", "other"))->over_limit);  // another key is asked
  limiter->replace_rules(rules());  // a reload forgets the cache: Redis decides again
  EXPECT_FALSE(limiter->decide(request("small", "k"))->over_limit);
}

TEST_F(LimiterRedis, AdmissionsFromEightyPercentOfTheLimitAreNearLimit) {
  auto limiter = make_limiter();
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(limiter->decide(request("hot", "n"))->over_limit);
  EXPECT_EQ(series(metrics_, "breakwater_ratelimit_near_limit_total{domain=\"api\",rule=\"api.hot\"}"), -1);
  // 3 per hour: the 3rd admission leaves 0 remaining (100% used); the 2nd is at 67%.
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(limiter->decide(request("small", "n"))->over_limit);
  EXPECT_EQ(series(metrics_, "breakwater_ratelimit_near_limit_total{domain=\"api\",rule=\"api.small\"}"), 1);
}

// Against a server that is gone: the first request finds out (a Redis error), the next ones
// are answered by the failure mode without trying (the breaker), closed and open alike.
TEST(LimiterBreaker, AfterARedisFailureRequestsAreShortCircuitedByTheFailureMode) {
  auto server = bw::testing::RedisServer::start();
  ASSERT_TRUE(server) << server.error().message;
  metrics::Factory metrics("ratelimit", "test");
  auto opts = redis::test::options_for(*server);
  auto limiter = std::make_shared<Limiter>(LimiterRedis::rules(), std::make_shared<redis::Pool>(opts, 2), metrics,
                                           LimiterOptions{.breaker = {std::chrono::seconds(60), std::chrono::seconds(60)}});
  ASSERT_FALSE(limiter->decide(LimiterRedis::request("account", "a", "login"))->degraded);
  server->kill();
  auto first = limiter->decide(LimiterRedis::request("account", "a", "login"));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->degraded);
  EXPECT_TRUE(first->over_limit);  // login is always closed
  for (int i = 0; i < 5; ++i) {
    auto login = limiter->decide(LimiterRedis::request("account", "a", "login"));
    EXPECT_TRUE(login->degraded && login->over_limit);
    auto api = limiter->decide(LimiterRedis::request("tenant", "t"));
    EXPECT_TRUE(api->degraded && !api->over_limit);  // api is open
  }
  EXPECT_EQ(series(metrics, "breakwater_ratelimit_redis_errors_total{domain=\"login\",mode=\"closed\"}"), 1);
  EXPECT_EQ(series(metrics, "breakwater_ratelimit_redis_breaker_short_circuits_total{domain=\"login\",mode=\"closed\"}"), 5);
  EXPECT_EQ(series(metrics, "breakwater_ratelimit_redis_breaker_short_circuits_total{domain=\"api\",mode=\"open\"}"), 5);
  EXPECT_EQ(series(metrics, "breakwater_ratelimit_redis_breaker_trips_total"), 1);
  EXPECT_EQ(series(metrics, "breakwater_ratelimit_redis_breaker_open"), 1);
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
