// Connection failure rules against a real redis-server that is killed, restarted, paused
// (SIGSTOP) or that kills our client: errors are fast and typed, reconnects happen, and a
// command is resent only when the caller said it is idempotent.
#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "bw/redis/connection.hpp"
#include "bw/redis/errors.hpp"
#include "bw/testing/ports.hpp"
#include "bw/testing/redis_server.hpp"
#include "bw/redis/redis_test.hpp"

namespace bw::redis {
namespace {

using std::chrono::milliseconds;
using test::time_of;

class FailureTest : public ::testing::Test {
 protected:
  void SetUp() override { start_server({}); }

  void start_server(bw::testing::RedisOptions redis_options) {
    auto started = bw::testing::RedisServer::start(std::move(redis_options));
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_.emplace(std::move(started).value());
  }
  ConnectionOptions options() const { return test::options_for(*server_); }

  // Kills `victim`'s connection from another connection after `delay`.
  std::thread kill_client_later(std::int64_t client_id, milliseconds delay) {
    return std::thread([this, client_id, delay] {
      std::this_thread::sleep_for(delay);
      Connection admin(options());
      auto killed = admin.command({"CLIENT", "KILL", "ID", std::to_string(client_id)});
      EXPECT_TRUE(killed.ok() && *killed == Reply::integer(1));
    });
  }

  std::optional<bw::testing::RedisServer> server_;
};

TEST_F(FailureTest, ReconnectsAfterRestartWithoutLosingANonIdempotentCommand) {
  Connection conn(options());
  ASSERT_TRUE(conn.command({"PING"}).ok());
  ASSERT_TRUE(server_->restart().ok());
  auto set = conn.command({"INCR", "after-restart"});  // not idempotent, not resent
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(*set, Reply::integer(1));
  EXPECT_EQ(conn.stats().stale_replaced, 1u);
  EXPECT_EQ(conn.stats().connects, 2u);
  EXPECT_EQ(conn.stats().resends, 0u);
}

TEST_F(FailureTest, PipelineAfterRestartUsesAFreshConnection) {
  Connection conn(options());
  ASSERT_TRUE(conn.command({"PING"}).ok());
  ASSERT_TRUE(server_->restart().ok());
  auto replies = conn.pipeline({{"INCR", "a"}, {"INCR", "a"}});
  ASSERT_TRUE(replies.ok()) << replies.error().message;
  EXPECT_EQ((*replies)[1], Reply::integer(2));
}

TEST_F(FailureTest, FailsFastWhileTheServerIsDownThenRecovers) {
  Connection conn(options());
  ASSERT_TRUE(conn.command({"PING"}).ok());
  server_->kill();
  const auto down = conn.command({"PING"});
  ASSERT_FALSE(down.ok());
  EXPECT_TRUE(has_code(down.error(), Errc::kConnect)) << down.error().message;
  // Fast means bounded attempts, counted rather than timed: three connects, then the error.
  EXPECT_NE(down.error().message.find("3 attempts"), std::string::npos) << down.error().message;
  EXPECT_EQ(conn.stats().connect_failures, 3u);
  ASSERT_TRUE(server_->restart().ok());
  auto up = conn.command({"PING"});
  EXPECT_TRUE(up.ok()) << up.error().message;
}

TEST_F(FailureTest, BudgetBoundsManyAttempts) {
  ConnectionOptions patient = options();
  patient.retry.max_attempts = 1000;
  patient.retry.budget = milliseconds(300);
  Connection conn(patient);
  server_->kill();
  auto took = time_of([&] { EXPECT_FALSE(conn.command({"PING"}).ok()); });
  // The budget, not the 1,000 attempts, ends it: it stops before a wait that would end past
  // 300 ms. (Only a lower bound is timed; an upper one would fail on a loaded machine.)
  EXPECT_GT(conn.stats().connect_failures, 3u);
  EXPECT_LT(conn.stats().connect_failures, 1000u);
  EXPECT_GE(took, milliseconds(50)) << "gave up long before the budget";
}

TEST_F(FailureTest, NothingListeningIsAConnectError) {
  ConnectionOptions nowhere = options();
  nowhere.port = bw::testing::free_loopback_port();
  Connection conn(nowhere);
  Status connected = conn.connect();
  ASSERT_FALSE(connected.ok());
  EXPECT_TRUE(has_code(connected.error(), Errc::kConnect));
  EXPECT_EQ(conn.stats().connect_failures, 3u);
}

TEST_F(FailureTest, PausedServerTimesOutWithinTheCommandTimeout) {
  ConnectionOptions quick = options();
  quick.command_timeout = milliseconds(200);
  Connection conn(quick);
  ASSERT_TRUE(conn.command({"PING"}).ok());
  ASSERT_TRUE(server_->pause().ok());
  std::optional<Result<Reply>> stuck;
  auto took = time_of([&] { stuck.emplace(conn.command({"GET", "k"}, Idempotent::kYes)); });
  ASSERT_FALSE(stuck->ok());
  EXPECT_TRUE(has_code(stuck->error(), Errc::kTimeout)) << stuck->error().message;
  EXPECT_GE(took, milliseconds(150));
  EXPECT_LT(took, std::chrono::seconds(5));  // the server stays paused: without the timeout, never
  EXPECT_EQ(conn.stats().timeouts, 1u);       // one timeout: timeouts are never resent
  EXPECT_FALSE(conn.connected());
  ASSERT_TRUE(server_->resume().ok());
  EXPECT_TRUE(conn.command({"PING"}).ok());
}

TEST_F(FailureTest, PausedServerDoesNotHangThePasswordHandshake) {
  bw::testing::RedisOptions with_password;
  with_password.password = "pw";
  start_server(with_password);
  ConnectionOptions quick = options();
  quick.command_timeout = milliseconds(200);
  Connection conn(quick);
  ASSERT_TRUE(server_->pause().ok());
  std::optional<Status> connected;
  auto took = time_of([&] { connected.emplace(conn.connect()); });
  ASSERT_FALSE(connected->ok());
  EXPECT_TRUE(has_code(connected->error(), Errc::kTimeout)) << connected->error().message;
  EXPECT_LT(took, std::chrono::seconds(5));  // the server stays paused: without the timeout, never
  ASSERT_TRUE(server_->resume().ok());
}

TEST_F(FailureTest, LostConnectionIsNotResentForANonIdempotentCommand) {
  ConnectionOptions slow = options();
  slow.command_timeout = milliseconds(10000);
  Connection conn(slow);
  auto id = conn.command({"CLIENT", "ID"});
  ASSERT_TRUE(id.ok());
  std::thread killer = kill_client_later(id->as_integer(), milliseconds(100));
  std::optional<Result<Reply>> popped;
  auto took = time_of([&] { popped.emplace(conn.command({"BLPOP", "queue", "5"})); });
  killer.join();
  ASSERT_FALSE(popped->ok());
  EXPECT_TRUE(has_code(popped->error(), Errc::kConnectionLost)) << popped->error().message;
  EXPECT_LT(took, milliseconds(4000));  // not the BLPOP's 5 s
  EXPECT_EQ(conn.stats().lost, 1u);
  EXPECT_EQ(conn.stats().resends, 0u);
}

TEST_F(FailureTest, LostConnectionIsResentForAnIdempotentCommand) {
  ConnectionOptions slow = options();
  slow.command_timeout = milliseconds(10000);
  Connection conn(slow);
  auto id = conn.command({"CLIENT", "ID"});
  ASSERT_TRUE(id.ok());
  std::thread killer = kill_client_later(id->as_integer(), milliseconds(100));
  // WAIT 1 300: waits 300 ms for a replica that does not exist, then answers 0. Read-only.
  auto waited = conn.command({"WAIT", "1", "300"}, Idempotent::kYes);
  killer.join();
  ASSERT_TRUE(waited.ok()) << waited.error().message;
  EXPECT_EQ(*waited, Reply::integer(0));
  EXPECT_EQ(conn.stats().lost, 1u);
  EXPECT_EQ(conn.stats().resends, 1u);
  EXPECT_EQ(conn.stats().connects, 2u);
}

}  // namespace
}  // namespace bw::redis
