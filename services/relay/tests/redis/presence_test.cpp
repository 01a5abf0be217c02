// Presence and the revocation epoch against a real redis-server (one-node cluster): the
// kick on takeover, compare-and-set by connection, batched reads, fan-out to peers.
#include "redis/presence.hpp"

#include <gtest/gtest.h>

#include "bw/redis/errors.hpp"
#include "redis/notifications.hpp"
#include "redis/revocation_epoch.hpp"
#include "relay_redis_fixture.hpp"

namespace bw::relay::redis {
namespace {

using namespace std::chrono_literals;
using test::device;
using test::Recorder;

class PresenceTest : public test::ClusterRedisTest {};

TEST_F(PresenceTest, ANewerConnectionKicksTheOlderOneAcrossPods) {
  Recorder rec;
  Notifications n(test::notifications_options(options()), rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(1)).ok());
  ASSERT_TRUE(rec.await_resyncs(device(1), 1));
  Presence presence(pool());
  auto first = presence.claim(device(1), "pod-a", "pod-a/1", 10s);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->replaced);
  EXPECT_FALSE(first->was_online);
  auto again = presence.claim(device(1), "pod-a", "pod-a/1", 10s);  // same connection: no kick
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->replaced);
  auto second = presence.claim(device(1), "pod-b", "pod-b/9", 10s);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->replaced);
  EXPECT_TRUE(second->was_online);
  EXPECT_EQ(second->since_ms, first->since_ms);  // the device never went offline
  ASSERT_TRUE(rec.await_messages(1));
  auto got = rec.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, ChannelMessage(Kick{"pod-b/9"}));
}

TEST_F(PresenceTest, AStaleConnectionCannotRefreshOrMarkOffline) {
  Presence presence(pool());
  ASSERT_TRUE(presence.claim(device(2), "pod-a", "pod-a/1", 10s).ok());
  ASSERT_TRUE(presence.claim(device(2), "pod-b", "pod-b/1", 10s).ok());
  auto refreshed = presence.refresh(device(2), "pod-a/1", 60s);
  ASSERT_TRUE(refreshed.ok());
  EXPECT_FALSE(*refreshed);
  EXPECT_LE(run({"PTTL", owner_key(device(2))}).as_integer(), 10000);
  auto released = presence.mark_offline(device(2), "pod-a/1");
  ASSERT_TRUE(released.ok());
  EXPECT_FALSE(*released);
  const DeviceId one[] = {device(2)};
  EXPECT_TRUE((*presence.is_online(one))[0].online);

  refreshed = presence.refresh(device(2), "pod-b/1", 60s);
  ASSERT_TRUE(refreshed.ok());
  EXPECT_TRUE(*refreshed);
  EXPECT_GT(run({"PTTL", owner_key(device(2))}).as_integer(), 10000);
  released = presence.mark_offline(device(2), "pod-b/1");
  ASSERT_TRUE(released.ok());
  EXPECT_TRUE(*released);
  EXPECT_FALSE((*presence.is_online(one))[0].online);
  EXPECT_FALSE(*presence.refresh(device(2), "pod-b/1", 60s));  // gone: not resurrected
  EXPECT_EQ(run({"EXISTS", owner_key(device(2))}).as_integer(), 0);
}

TEST_F(PresenceTest, RefreshManyRenewsOnlyWhatEachConnectionStillOwns) {
  Presence presence(pool());
  ASSERT_TRUE(presence.claim(device(6), "pod-a", "pod-a/6", 10s).ok());
  ASSERT_TRUE(presence.claim(device(7), "pod-a", "pod-a/7", 10s).ok());
  ASSERT_TRUE(presence.claim(device(7), "pod-b", "pod-b/7", 10s).ok());  // superseded on pod-a
  ASSERT_TRUE(run({"SCRIPT", "FLUSH"}).is_status());                    // loaded again as needed
  const Presence::Held held[] = {{device(6), "pod-a/6"}, {device(7), "pod-a/7"}, {device(8), "pod-a/8"}};
  auto renewed = presence.refresh_many(held, 60s);
  ASSERT_TRUE(renewed.ok()) << renewed.error().message;
  EXPECT_EQ(*renewed, (std::vector<bool>{true, false, false}));
  EXPECT_GT(run({"PTTL", owner_key(device(6))}).as_integer(), 10000);
  EXPECT_LE(run({"PTTL", owner_key(device(7))}).as_integer(), 10000) << "another connection's record is untouched";
  EXPECT_EQ(run({"EXISTS", owner_key(device(8))}).as_integer(), 0) << "an absent record is not created";
  std::vector<Presence::Held> too_many(kMaxDevicesPerCall + 1, Presence::Held{device(6), "pod-a/6"});
  EXPECT_FALSE(presence.refresh_many(too_many, 60s).ok());
  const Presence::Held bad[] = {{device(6), "not a token"}};
  EXPECT_FALSE(presence.refresh_many(bad, 60s).ok());
  EXPECT_TRUE(presence.refresh_many({}, 60s).ok());
}

TEST_F(PresenceTest, IsOnlineReadsManyDevicesAtOnce) {
  Presence presence(pool());
  auto claimed = presence.claim(device(3), "pod-a", "pod-a/3", 10s);
  ASSERT_TRUE(claimed.ok());
  ASSERT_TRUE(presence.claim(device(5), "pod-a", "pod-a/5", 10s).ok());
  const DeviceId devices[] = {device(3), device(4), device(5)};
  auto online = presence.is_online(devices);
  ASSERT_TRUE(online.ok()) << online.error().message;
  ASSERT_EQ(online->size(), 3u);
  EXPECT_TRUE((*online)[0].online);
  EXPECT_EQ((*online)[0].since_ms, claimed->since_ms);
  EXPECT_FALSE((*online)[1].online);
  EXPECT_TRUE((*online)[2].online);
  std::vector<DeviceId> too_many(kMaxDevicesPerCall + 1, device(3));
  EXPECT_FALSE(presence.is_online(too_many).ok());
}

TEST_F(PresenceTest, PresenceChangesReachEveryPeer) {
  Recorder rec;
  Notifications n(test::notifications_options(options()), rec.on_message(), rec.on_resync());
  ASSERT_TRUE(n.subscribe(device(6)).ok());
  ASSERT_TRUE(n.subscribe(device(7)).ok());
  ASSERT_TRUE(rec.await_resyncs(device(6), 1));
  ASSERT_TRUE(rec.await_resyncs(device(7), 1));
  Presence presence(pool());
  const PresenceChange change{device(8), true, 1234};
  const DeviceId peers[] = {device(6), device(7), device(9)};
  auto receivers = presence.publish(change, peers);
  ASSERT_TRUE(receivers.ok()) << receivers.error().message;
  EXPECT_EQ(*receivers, 2u);
  ASSERT_TRUE(rec.await_messages(2));
  for (const auto& [to, message] : rec.messages()) EXPECT_EQ(message, ChannelMessage(change));
}

TEST_F(PresenceTest, RefusesIdsThatAreNotTokensBeforeSending) {
  Presence presence(pool());
  for (const char* bad : {"", "a b", "pod\n1", "x{y}"}) {
    auto claimed = presence.claim(device(10), bad, "c1", 10s);
    ASSERT_FALSE(claimed.ok());
    EXPECT_TRUE(bw::redis::has_code(claimed.error(), bw::redis::Errc::kInvalidArgument));
    EXPECT_FALSE(presence.claim(device(10), "pod", bad, 10s).ok());
    EXPECT_FALSE(presence.mark_offline(device(10), bad).ok());
  }
  EXPECT_FALSE(presence.claim(device(10), "pod", "c1", 0ms).ok());
  EXPECT_EQ(run({"EXISTS", owner_key(device(10))}).as_integer(), 0);
}

TEST_F(PresenceTest, ReadsTheRevocationEpochAuthPublishes) {
  TenantId tenant{};
  tenant.fill(0x11);
  UserId user{};
  user.fill(0xa2);
  // The key exactly as services/auth/src/api/revocations.cpp writes it.
  const std::string key =
      "bw:rev:{11111111111111111111111111111111a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2}";
  EXPECT_EQ(revocation_key(tenant, user), key);
  auto p = pool();
  auto missing = revocation_epoch(*p, tenant, user);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, 0u);
  run({"SET", key, "7", "PX", "60000"});
  auto epoch = revocation_epoch(*p, tenant, user);
  ASSERT_TRUE(epoch.ok()) << epoch.error().message;
  EXPECT_EQ(*epoch, 7u);
  for (const char* bad : {"", "x", "-1", "7 ", "99999999999999999999999"}) {
    run({"SET", key, bad});
    auto refused = revocation_epoch(*p, tenant, user);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_TRUE(bw::redis::has_code(refused.error(), bw::redis::Errc::kProtocol));
  }
}

}  // namespace
}  // namespace bw::relay::redis
