// Shared by the redis-labelled counter tests: one real redis-server per suite, flushed
// (data and script cache) before each test (redis_test.hpp); helpers to read Redis TIME and to wait — by
// polling Redis's clock, never by a blind sleep — until a window has room left.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bw/counters/counters.hpp"
#include "bw/counters/math.hpp"
#include "bw/redis/connection.hpp"
#include "bw/redis/keys.hpp"
#include "bw/redis/pool.hpp"
#include "bw/redis/redis_test.hpp"

namespace bw::counters::test {

// A real Redis per suite (redis::test::RedisTest), plus a connection, the counters and
// helpers for the counter tests.
class CountersTest : public redis::test::RedisTest {
 protected:
  // "bw:{rl:test}:<suffix>" — every test key shares one tag, as a caller's would.
  static std::string key(std::string_view suffix) {
    return redis::tagged_key("rl", "test", suffix).value();
  }

  // Redis TIME in microseconds.
  std::int64_t redis_now_us() {
    auto t = conn_.command({"TIME"});
    EXPECT_TRUE(t.ok());
    const auto& parts = t->as_array();
    return std::stoll(parts[0].as_string()) * 1'000'000 + std::stoll(parts[1].as_string());
  }

  // Returns once at least `min_left_ms` of the current `unit_s` window remain.
  void wait_for_window_room(std::int64_t unit_s, std::int64_t min_left_ms) {
    for (;;) {
      std::int64_t left = window_reset_after_ms(redis_now_us(), unit_s);
      if (left >= min_left_ms) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(left));
    }
  }

  std::int64_t pttl(const std::string& k) { return conn_.command({"PTTL", k})->as_integer(); }

  // Runs body(pool) on `threads_per_pool` threads for each of `pools` separate Pools
  // (each Pool stands for one service instance) and joins them.
  void hammer(int pools, int threads_per_pool, const std::function<void(redis::Pool&)>& body) {
    std::vector<std::unique_ptr<redis::Pool>> instances;
    for (int p = 0; p < pools; ++p) {
      instances.push_back(std::make_unique<redis::Pool>(options(), threads_per_pool));
    }
    std::vector<std::thread> threads;
    for (auto& pool : instances) {
      for (int t = 0; t < threads_per_pool; ++t) threads.emplace_back([&] { body(*pool); });
    }
    for (auto& thread : threads) thread.join();
  }

  const Counters counters_;
  redis::Connection conn_{options()};
};

}  // namespace bw::counters::test
