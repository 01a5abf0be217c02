// Notifications against a real redis-server: delivery of what the append step publishes,
// subscription counting, strict decoding, reconnect + resync after a restart, and a stop()
// that never hangs (server down or paused).
#include "redis/notifications.hpp"

#include <gtest/gtest.h>

#include "bw/testing/ports.hpp"
#include "redis/mailboxes.hpp"
#include "relay_redis_fixture.hpp"

namespace bw::relay::redis {
namespace {

using namespace std::chrono_literals;
using test::device;
using test::nonce;
using test::Recorder;

Offset append(Mailboxes& m, const DeviceId& to, std::uint32_t n) {
  AppendRequest r{to, nonce(n), "envelope"};
  auto results = m.append({&r, 1});
  EXPECT_TRUE(results.ok() && (*results)[0].ok());
  if (!results.ok() || !(*results)[0].ok()) return {};
  return (*results)[0]->offset;
}

class NotificationsTest : public test::ClusterRedisTest {};

TEST_F(NotificationsTest, DeliversEntriesOfSubscribedDevicesOnly) {
  Recorder rec;
  Notifications n(test::notifications_options(options()), rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(1)).ok());
  ASSERT_TRUE(rec.await_resyncs(device(1), 1));  // the subscription is active
  Mailboxes m(pool(), MailboxLimits{});
  append(m, device(2), 1);  // not subscribed: must not arrive
  const Offset offset = append(m, device(1), 2);
  ASSERT_TRUE(rec.await_messages(1));
  auto got = rec.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, device(1));
  EXPECT_EQ(got[0].second, ChannelMessage(NewMail{offset, Offset{}, "envelope"}));
  EXPECT_EQ(n.stats().messages.load(), 1u);
}

// Small envelopes travel with their notification, naming the entry before them (what a pod
// must have delivered to send it without reading the mailbox); larger ones are announced.
TEST_F(NotificationsTest, SmallEnvelopesComeWithTheirPredecessorLargeOnesAreAnnounced) {
  Recorder rec;
  Notifications n(test::notifications_options(options()), rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(4)).ok());
  ASSERT_TRUE(rec.await_resyncs(device(4), 1));
  MailboxLimits limits;
  limits.max_inline_bytes = 16;
  Mailboxes m(pool(), limits);
  const std::string binary("a b\0\xff c", 7);  // spaces, a NUL and a high byte
  const std::string sixteen(16, 'x'), seventeen(17, 'y');
  std::vector<Offset> at;
  std::uint32_t k = 40;
  for (const std::string* body : {&binary, &sixteen, &seventeen}) {
    AppendRequest r{device(4), nonce(++k), *body};
    auto results = m.append({&r, 1});
    ASSERT_TRUE(results.ok() && (*results)[0].ok());
    at.push_back((*results)[0]->offset);
  }
  ASSERT_TRUE(m.ack(device(4), at[2]).ok());  // the mailbox is empty again
  AppendRequest last{device(4), nonce(++k), binary};
  auto results = m.append({&last, 1});
  ASSERT_TRUE(results.ok() && (*results)[0].ok());
  ASSERT_TRUE(rec.await_messages(4));
  auto got = rec.messages();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].second, ChannelMessage(NewMail{at[0], Offset{}, binary}));
  EXPECT_EQ(got[1].second, ChannelMessage(NewMail{at[1], at[0], sixteen}));
  EXPECT_EQ(got[2].second, ChannelMessage(NewEntry{at[2]}));
  EXPECT_EQ(got[3].second, ChannelMessage(NewMail{(*results)[0]->offset, Offset{}, binary}));
}

TEST_F(NotificationsTest, SubscriptionsAreCountedPerDevice) {
  Recorder rec;
  Notifications n(test::notifications_options(options()), rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(3)).ok());
  ASSERT_TRUE(n.subscribe(device(3)).ok());
  ASSERT_TRUE(n.subscribe(device(4)).ok());
  ASSERT_TRUE(rec.await_resyncs(device(3), 1));
  ASSERT_TRUE(rec.await_resyncs(device(4), 1));
  n.unsubscribe(device(3));  // still held once
  n.unsubscribe(device(4));
  n.unsubscribe(device(4));  // extra unsubscribe: no effect
  EXPECT_EQ(n.subscribed(), 1u);
  // The server confirms the unsubscription of device 4 before the next message.
  ASSERT_TRUE(test::eventually([&] {
    return run({"PUBSUB", "SHARDNUMSUB", device_channel(device(4))}).as_array()[1].as_integer() == 0;
  }));
  Mailboxes m(pool(), MailboxLimits{});
  append(m, device(4), 1);
  append(m, device(3), 2);
  ASSERT_TRUE(rec.await_messages(1));
  auto got = rec.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, device(3));
}

TEST_F(NotificationsTest, MalformedMessagesAreIgnoredAndCounted) {
  Recorder rec;
  Notifications n(test::notifications_options(options()), rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(5)).ok());
  ASSERT_TRUE(rec.await_resyncs(device(5), 1));
  const std::string channel = device_channel(device(5));
  for (const char* junk : {"", "entry", "entry 01-1", "hello world", "kick a b",
                           "presence zz online 1"}) {
    run({"SPUBLISH", channel, junk});
  }
  run({"SPUBLISH", channel, std::string(100000, 'x')});  // oversized
  run({"SPUBLISH", channel, "kick pod-b/7"});            // the one valid message, sent last
  ASSERT_TRUE(rec.await_messages(1));
  auto got = rec.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, ChannelMessage(Kick{"pod-b/7"}));
  EXPECT_EQ(n.stats().malformed.load(), 7u);
}

TEST_F(NotificationsTest, SubscribeIsBoundedAndRefusedAfterStop) {
  Recorder rec;
  auto options = test::notifications_options(this->options());
  options.max_devices = 2;
  Notifications n(options, rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(6)).ok());
  ASSERT_TRUE(n.subscribe(device(7)).ok());
  EXPECT_TRUE(n.subscribe(device(6)).ok());  // already held: only counted
  EXPECT_FALSE(n.subscribe(device(8)).ok());
  n.stop();
  n.stop();  // idempotent
  EXPECT_FALSE(n.subscribe(device(9)).ok());
}

TEST_F(NotificationsTest, ManySubscriptionsAreSentInChunksAndAllBecomeActive) {
  Recorder rec;
  Notifications n(test::notifications_options(options()), rec.on_message(), rec.on_resync());
  const std::uint32_t count = 3 * Notifications::kSyncChunk + 7;
  for (std::uint32_t i = 0; i < count; ++i) ASSERT_TRUE(n.subscribe(test::numbered_device(i)).ok());
  ASSERT_TRUE(rec.await_distinct_resyncs(count));
  EXPECT_EQ(run({"PUBSUB", "SHARDCHANNELS"}).as_array().size(), count);
  Mailboxes m(pool(), MailboxLimits{});
  append(m, test::numbered_device(count - 1), 1);
  ASSERT_TRUE(rec.await_messages(1));
  EXPECT_EQ(rec.messages()[0].first, test::numbered_device(count - 1));
}

// Failure cases on a plain server of their own (they kill, restart and pause it).
class NotificationsFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = bw::testing::RedisServer::start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_.emplace(std::move(started).value());
  }
  bw::redis::ConnectionOptions options() const { return bw::redis::test::options_for(*server_); }
  std::optional<bw::testing::RedisServer> server_;
};

TEST_F(NotificationsFailureTest, ReconnectsAfterARestartResyncsAndKeepsDelivering) {
  Recorder rec;
  Notifications n(test::notifications_options(options()), rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(1)).ok());
  ASSERT_TRUE(n.subscribe(device(2)).ok());
  ASSERT_TRUE(rec.await_resyncs(device(1), 1));
  ASSERT_TRUE(rec.await_resyncs(device(2), 1));
  server_->kill();
  ASSERT_TRUE(server_->restart().ok());
  ASSERT_TRUE(rec.await_resyncs(device(1), 2));  // resubscribed, told to re-read
  ASSERT_TRUE(rec.await_resyncs(device(2), 2));
  EXPECT_GE(n.stats().disconnects.load(), 1u);
  EXPECT_GE(n.stats().connects.load(), 2u);
  Mailboxes m(std::make_shared<bw::redis::Pool>(options(), 1), MailboxLimits{});
  const Offset offset = append(m, device(2), 1);
  ASSERT_TRUE(rec.await_messages(1));
  EXPECT_EQ(rec.messages()[0].second, ChannelMessage(NewMail{offset, Offset{}, "envelope"}));
}

// Backoffs of 15 s and more, so a stop() that waited for one to end is told apart from a
// prompt one by a bound (5 s) that no loaded machine comes near.
NotificationsOptions slow_retry(const bw::redis::ConnectionOptions& c) {
  auto options = test::notifications_options(c);
  options.connection.retry.base_backoff = 30'000ms;
  options.connection.retry.max_backoff = 60'000ms;
  return options;
}

TEST_F(NotificationsFailureTest, StopReturnsPromptlyWhileRedisIsDown) {
  Recorder rec;
  Notifications n(slow_retry(options()), rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(1)).ok());
  ASSERT_TRUE(rec.await_resyncs(device(1), 1));
  server_->kill();
  // A link that worked is re-made at once. That attempt fails — or, racing the dying
  // process, connects to its closing listener and is reset — and the thread then waits 15–30 s.
  ASSERT_TRUE(test::eventually([&] {
    return n.stats().connect_failures.load() >= 1 || n.stats().disconnects.load() >= 2;
  }, 1000ms));
  const auto start = std::chrono::steady_clock::now();
  n.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(NotificationsFailureTest, StopReturnsPromptlyWhileRedisIsPaused) {
  Recorder rec;
  auto patient = test::notifications_options(options());
  patient.ping_interval = 60s;  // so waiting for the idle ping (or a reply) would take a minute
  patient.connection.command_timeout = 60s;
  Notifications n(patient, rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(1)).ok());
  ASSERT_TRUE(rec.await_resyncs(device(1), 1));
  ASSERT_TRUE(server_->pause().ok());
  ASSERT_TRUE(n.subscribe(device(2)).ok());  // written, never answered
  const auto start = std::chrono::steady_clock::now();
  n.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // not the minute-long idle-ping wait
  ASSERT_TRUE(server_->resume().ok());
  EXPECT_EQ(rec.resyncs(device(2)), 0);
}

TEST_F(NotificationsFailureTest, APausedServerIsDetectedByTheIdlePing) {
  Recorder rec;
  auto options = test::notifications_options(this->options());
  options.ping_interval = 100ms;
  options.connection.command_timeout = 200ms;
  Notifications n(options, rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(1)).ok());
  ASSERT_TRUE(rec.await_resyncs(device(1), 1));
  ASSERT_TRUE(server_->pause().ok());
  ASSERT_TRUE(test::eventually([&] { return n.stats().disconnects.load() >= 1; }, 3000ms));
  ASSERT_TRUE(server_->resume().ok());
  ASSERT_TRUE(rec.await_resyncs(device(1), 2));
}

TEST(NotificationsNowhere, StopReturnsPromptlyWhenNothingEverListened) {
  Recorder rec;
  bw::redis::ConnectionOptions nowhere;
  nowhere.port = bw::testing::free_loopback_port();
  Notifications n(slow_retry(nowhere), rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(1)).ok());
  ASSERT_TRUE(test::eventually([&] { return n.stats().connect_failures.load() >= 1; }));
  const auto start = std::chrono::steady_clock::now();
  n.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // not the 15–30 s backoff
  EXPECT_EQ(rec.resyncs(device(1)), 0);
}

}  // namespace
}  // namespace bw::relay::redis
