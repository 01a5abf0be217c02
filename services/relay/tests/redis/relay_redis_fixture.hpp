// Test support for the relay's Redis layer: a real redis-server started as a one-node Redis
// Cluster (all 16384 slots on it), so every script that touched keys of two slots would
// fail with CROSSSLOT, exactly as in production. Also a recorder for Notifications'
// callbacks that tests wait on with deadlines (never with bare sleeps).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "bw/redis/connection.hpp"
#include "bw/redis/pool.hpp"
#include "bw/redis/redis_test.hpp"
#include "bw/testing/ports.hpp"
#include "bw/testing/redis_server.hpp"
#include "redis/channel_message.hpp"
#include "redis/notifications.hpp"
#include "redis/relay_keys.hpp"

namespace bw::relay::redis::test {

using namespace std::chrono_literals;

// Polls `condition` every 5 ms until it holds or `deadline` passes.
template <class F>
bool eventually(F&& condition, std::chrono::milliseconds deadline = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Waits until the single node serves every slot (cluster_state:ok).
inline ::testing::AssertionResult await_cluster_ok(const bw::redis::ConnectionOptions& options) {
  bw::redis::Connection admin(options);
  std::string last;
  bool ok = eventually(
      [&] {
        auto info = admin.command({"CLUSTER", "INFO"});
        if (!info.ok() || !info->is_string()) return false;
        last = info->as_string();
        return last.find("cluster_state:ok") != std::string::npos;
      },
      15000ms);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "cluster never became ok: " << last;
}

inline Result<bw::testing::RedisServer> start_cluster_node() {
  bw::testing::RedisOptions options;
  // An explicit bus port: the default (port + 10000) overflows for ports above 55535.
  options.extra_args = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-port", std::to_string(bw::testing::free_loopback_port())};
  auto server = bw::testing::RedisServer::start(options);
  if (!server) return server;
  bw::redis::Connection admin(bw::redis::test::options_for(*server));
  auto added = admin.command({"CLUSTER", "ADDSLOTSRANGE", "0", "16383"});
  if (!added) return added.error();
  if (added->is_error()) return Error{1, "ADDSLOTSRANGE: " + added->as_string()};
  return server;
}

class ClusterRedisTest : public ::testing::Test {
 protected:
  // One node for every suite of the binary (a node takes ~2 s to report cluster_state:ok);
  // SetUp() empties it before each test. It is killed when the binary exits.
  static void SetUpTestSuite() {
    if (server_) return;
    auto started = start_cluster_node();
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_.emplace(std::move(started).value());
    ASSERT_TRUE(await_cluster_ok(options()));
  }

  void SetUp() override {
    ASSERT_TRUE(server_.has_value());
    bw::redis::Connection admin(options());
    auto flushed = admin.pipeline({{"FLUSHALL"}, {"SCRIPT", "FLUSH"}});
    ASSERT_TRUE(flushed.ok()) << flushed.error().message;
  }

  static bw::redis::ConnectionOptions options() { return bw::redis::test::options_for(*server_); }
  static std::shared_ptr<bw::redis::Pool> pool(std::size_t size = 4) {
    return std::make_shared<bw::redis::Pool>(options(), size);
  }
  static bw::redis::Reply run(const std::vector<std::string>& argv) {
    bw::redis::Connection admin(options());
    auto reply = admin.command(argv);
    EXPECT_TRUE(reply.ok()) << reply.error().message;
    return reply.ok() ? *reply : bw::redis::Reply();
  }

  static inline std::optional<bw::testing::RedisServer> server_;
};

inline DeviceId device(std::uint8_t n) {
  DeviceId d{};
  d.fill(n);
  d[15] = 0x5a;
  return d;
}

inline DeviceId numbered_device(std::uint32_t n) {
  DeviceId d{};
  d[0] = 0xd0;
  d[12] = static_cast<std::uint8_t>(n >> 24);
  d[13] = static_cast<std::uint8_t>(n >> 16);
  d[14] = static_cast<std::uint8_t>(n >> 8);
  d[15] = static_cast<std::uint8_t>(n);
  return d;
}

inline Nonce nonce(std::uint32_t n) {
  Nonce out{};
  out[12] = static_cast<std::uint8_t>(n >> 24);
  out[13] = static_cast<std::uint8_t>(n >> 16);
  out[14] = static_cast<std::uint8_t>(n >> 8);
  out[15] = static_cast<std::uint8_t>(n);
  return out;
}

// Records Notifications' callbacks; tests wait on it with deadlines.
class Recorder {
 public:
  Notifications::MessageHandler on_message() {
    return [this](const DeviceId& d, const ChannelMessage& m) {
      std::lock_guard lock(mu_);
      messages_.emplace_back(d, m);
      cv_.notify_all();
    };
  }
  Notifications::ResyncHandler on_resync() {
    return [this](const DeviceId& d) {
      std::lock_guard lock(mu_);
      ++resyncs_[d];
      cv_.notify_all();
    };
  }
  bool await_resyncs(const DeviceId& d, int count, std::chrono::milliseconds deadline = 10000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return resyncs_[d] >= count; });
  }
  bool await_messages(std::size_t count, std::chrono::milliseconds deadline = 5000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return messages_.size() >= count; });
  }
  std::vector<std::pair<DeviceId, ChannelMessage>> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  int resyncs(const DeviceId& d) {
    std::lock_guard lock(mu_);
    return resyncs_[d];
  }
  bool await_distinct_resyncs(std::size_t count, std::chrono::milliseconds deadline = 10000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return resyncs_.size() >= count; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<DeviceId, ChannelMessage>> messages_;
  std::map<DeviceId, int> resyncs_;
};

inline NotificationsOptions notifications_options(const bw::redis::ConnectionOptions& c) {
  NotificationsOptions options;
  options.connection = c;
  options.connection.connect_timeout = 200ms;
  options.connection.command_timeout = 500ms;
  options.connection.retry.base_backoff = 20ms;
  options.connection.retry.max_backoff = 200ms;
  return options;
}

}  // namespace bw::relay::redis::test
