// Test support for every redis-labelled suite that talks to Redis through bw_redis (the
// client's own tests, the counter scripts', later the services'): one real redis-server per
// test suite, flushed (data and script cache) before each test, and ConnectionOptions
// pointing at it. Header-only; target bw_redis_testing.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "bw/redis/connection.hpp"
#include "bw/testing/redis_server.hpp"

namespace bw::redis::test {

inline ConnectionOptions options_for(const bw::testing::RedisServer& server) {
  ConnectionOptions options;
  options.host = server.host();
  options.port = server.port();
  options.password = server.password();
  return options;
}

class RedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = bw::testing::RedisServer::start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_.emplace(std::move(started).value());
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(server_.has_value());
    Connection admin(options());
    auto flushed = admin.pipeline({{"FLUSHALL"}, {"SCRIPT", "FLUSH"}});  // data and scripts
    ASSERT_TRUE(flushed.ok()) << flushed.error().message;
  }

  static ConnectionOptions options() { return options_for(*server_); }

  static inline std::optional<bw::testing::RedisServer> server_;
};

// Elapsed wall time of f(), for "does not hang" checks.
template <class F>
std::chrono::milliseconds time_of(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace bw::redis::test
