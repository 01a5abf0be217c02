// breakwater-ratelimit under concurrent load, as Envoy would drive it: two instances on one
// Redis admit exactly the limit, and a Redis killed and restarted mid-load is survived.
#include <algorithm>
#include <cstdio>
#include <atomic>
#include <mutex>
#include <thread>

#include "bw/testing/redis_server.hpp"
#include "rls_system_support.hpp"

namespace bw::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kExactRules = R"(domain: api
descriptors:
  - key: hot
    rate_limit: {unit: hour, requests_per_unit: 200}
  - key: smooth
    rate_limit: {unit: hour, requests_per_unit: 10, algorithm: gcra, burst: 150}
)";

// 2 instances × 8 threads, each thread `calls` requests for (key, value); returns how many
// were admitted. Any failed call fails the test.
int hammer(const std::vector<RlsStub*>& stubs, const std::string& key, int calls) {
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (RlsStub* s : stubs) {
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&admitted, s, &key, calls] {
        for (int i = 0; i < calls; ++i) {
          RateLimitResponse res;
          auto st = ask(*s, "api", key, "one", res);
          if (!st.ok()) ADD_FAILURE() << st.error_message();
          if (st.ok() && res.overall_code() == RateLimitResponse::OK) ++admitted;
        }
      });
    }
  }
  for (auto& th : threads) th.join();
  return admitted.load();
}

class RlsLoad : public RlsSystemTest {};

TEST_F(RlsLoad, TwoInstancesOfEightThreadsAdmitExactlyTheFixedWindowLimit) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis) << redis.error().message;
  write_rules(kExactRules);
  auto a = start(redis->port());
  ASSERT_TRUE(a) << a.error().message;
  auto b = start(redis->port());
  ASSERT_TRUE(b) << b.error().message;
  auto sa = stub(a->grpc_port), sb = stub(b->grpc_port);
  EXPECT_EQ(hammer({sa.get(), sb.get()}, "hot", 40), 200);  // 640 asked, 200 admitted
  const std::string name = "breakwater_ratelimit_";
  const std::vector<std::string> rule{"rule=\"api.hot\""};
  // Every admitted hit from the 160th on was near the limit: exactly 41 across both.
  EXPECT_EQ(metric(*a, name + "near_limit_total", rule) + metric(*b, name + "near_limit_total", rule), 41);
  // Once the window was full, the instances answered from their over-limit caches.
  EXPECT_GT(metric(*a, name + "over_limit_cache_hits_total", rule) + metric(*b, name + "over_limit_cache_hits_total", rule),
            0);
  const std::vector<std::string> over{"rule=\"api.hot\"", "result=\"over_limit\""};
  EXPECT_EQ(metric(*a, name + "decisions_total", over) + metric(*b, name + "decisions_total", over), 440);
}

TEST_F(RlsLoad, TwoInstancesOfEightThreadsAdmitExactlyTheGcraBurst) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis) << redis.error().message;
  write_rules(kExactRules);
  auto a = start(redis->port());
  ASSERT_TRUE(a) << a.error().message;
  auto b = start(redis->port());
  ASSERT_TRUE(b) << b.error().message;
  auto sa = stub(a->grpc_port), sb = stub(b->grpc_port);
  // 10 per hour: one cell every 6 minutes, so during the test only the burst is admitted.
  EXPECT_EQ(hammer({sa.get(), sb.get()}, "smooth", 30), 150);  // 480 asked
}

constexpr const char* kOutageRules = R"(domain: api
failure_mode: open
descriptors:
  - key: tenant
    rate_limit: {unit: hour, requests_per_unit: 1000000}
---
domain: login
descriptors:
  - key: account
    rate_limit: {unit: hour, requests_per_unit: 1000000}
)";

struct Answer {
  Clock::time_point started, ended;
  bool login = false;
  bool ok_call = false;
  bool admitted = false;
};

// 8 threads alternate login (closed) and api (open) requests until `stop`.
std::vector<Answer> load_until(RlsStub& s, const std::atomic<bool>& stop) {
  std::mutex mu;
  std::vector<Answer> all;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Answer> mine;
      for (int i = 0; !stop; ++i) {
        Answer a;
        a.login = (i + t) % 2 == 0;
        RateLimitResponse res;
        a.started = Clock::now();
        const auto v = "v" + std::to_string(t) + "-" + std::to_string(i);
        a.ok_call = ask(s, a.login ? "login" : "api", a.login ? "account" : "tenant", v, res).ok();
        a.ended = Clock::now();
        a.admitted = res.overall_code() == RateLimitResponse::OK;
        mine.push_back(a);
      }
      std::lock_guard lock(mu);
      all.insert(all.end(), mine.begin(), mine.end());
    });
  }
  while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (auto& th : threads) th.join();
  return all;
}

TEST_F(RlsLoad, RedisKilledAndRestartedMidLoadClosedRefusesOpenAdmitsFastAndRecovers) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis) << redis.error().message;
  write_rules(kOutageRules);
  auto svc = start(redis->port());
  ASSERT_TRUE(svc) << svc.error().message;
  auto s = stub(svc->grpc_port);
  std::atomic<bool> stop{false};
  std::vector<Answer> answers;
  std::thread driver([&] { answers = load_until(*s, stop); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto killed = Clock::now();
  redis->kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  const auto restarting = Clock::now();
  ASSERT_TRUE(redis->restart());
  const auto restarted = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));  // > the breaker's 2 s cap
  stop = true;
  driver.join();

  std::vector<double> down_ms;
  int down_login = 0, down_api = 0, late_ok = 0, late = 0;
  for (const auto& a : answers) {
    ASSERT_TRUE(a.ok_call);  // every call answered, never a gRPC error
    if (a.started > killed + std::chrono::milliseconds(100) && a.ended < restarting) {
      EXPECT_EQ(a.admitted, !a.login) << (a.login ? "a closed domain must refuse" : "an open domain must admit");
      (a.login ? down_login : down_api)++;
      down_ms.push_back(std::chrono::duration<double, std::milli>(a.ended - a.started).count());
    }
    if (a.login && a.started > restarted + std::chrono::milliseconds(2500)) {
      ++late;
      late_ok += a.admitted;
    }
  }
  ASSERT_GT(down_login, 0);
  ASSERT_GT(down_api, 0);
  std::sort(down_ms.begin(), down_ms.end());
  const double median = down_ms[down_ms.size() / 2];
  std::printf("while Redis was down: %zu answers, median %.2f ms, p99 %.2f ms\n", down_ms.size(), median,
              down_ms[down_ms.size() * 99 / 100]);
  EXPECT_LT(median, 150.0);  // the breaker answers at once instead of waiting for timeouts
  ASSERT_GT(late, 0);
  EXPECT_EQ(late_ok, late);  // recovered by itself: the closed domain admits again
  const std::string name = "breakwater_ratelimit_";
  EXPECT_GE(metric(*svc, name + "redis_breaker_trips_total"), 1);
  EXPECT_GT(metric(*svc, name + "redis_breaker_short_circuits_total", {"domain=\"login\"", "mode=\"closed\""}), 0);
  EXPECT_EQ(metric(*svc, name + "redis_breaker_open"), 0);
  EXPECT_TRUE(svc->process.alive());
}

}  // namespace
}  // namespace bw::testing
