// Notifications: the pod's subscriber to its devices' sharded channels (DESIGN §4). One
// dedicated Redis connection (not from the Pool: pub/sub needs its own reader) served by
// one thread; hiredis stays inside the .cpp.
//
// Guarantees:
// - subscribe()/unsubscribe() may be called at any time from any thread, also from inside
//   the callbacks; they only record the wish and wake the thread, which sends SSUBSCRIBE /
//   SUNSUBSCRIBE (one channel per command, so it also works against a Redis Cluster node).
//   Subscriptions are counted: a device stays subscribed until unsubscribed as often as it
//   was subscribed (two connections of one device may briefly share a pod).
// - on_message(device, message) runs for each well-formed message on a subscribed device's
//   channel; malformed or unknown messages are dropped and counted (stats().malformed).
// - on_resync(device) runs whenever the device's subscription becomes active: after the
//   first SSUBSCRIBE is confirmed and again after every reconnect. Everything appended
//   after that moment is notified, so reading the mailbox in on_resync (plus the
//   notifications) never misses an entry. After a reconnect, also re-check ownership
//   (Presence::refresh): a kick may have been missed.
// - When the connection breaks (EOF, error reply, no PONG within command_timeout after an
//   idle ping_interval), it reconnects — at once if the link had worked, then with capped
//   exponential backoff and jitter (connection.retry.base_backoff … max_backoff) — and
//   resubscribes everything, then resyncs. A pod whose callbacks fall behind is cut off by
//   Redis (client-output-buffer-limit pubsub) and recovers the same way.
// - stop() (and the destructor) returns promptly: the thread waits on poll() with a wake-up
//   descriptor, never in a blocking read; worst case one connect_timeout or command_timeout
//   when stop() lands inside a connect or AUTH.
// - Bounded: at most max_devices distinct subscribed devices (subscribe() then fails with
//   kInvalidArgument); at most kSyncChunk commands written per loop turn.
// - Callbacks run on the subscriber thread, one at a time, without any lock held; they
//   must be short and must not block (post to an actor). Never call stop() from one.
//
// Known limit: one connection to one endpoint. Against a Redis Cluster with several
// primaries a pod needs one Notifications per shard (each subscribed to its slots' devices).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "bw/redis/connection.hpp"
#include "bw/result.hpp"
#include "redis/channel_message.hpp"
#include "redis/relay_keys.hpp"

namespace bw::relay::redis {

struct NotificationsOptions {
  // host, port, password, connect_timeout, command_timeout (AUTH, writes, PONG wait) and
  // retry.base_backoff / retry.max_backoff for reconnects; db is ignored (pub/sub has none).
  bw::redis::ConnectionOptions connection;
  std::chrono::milliseconds ping_interval{std::chrono::seconds(5)};  // probe an idle link
  std::size_t max_devices = 200000;
};

struct NotificationStats {
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> connect_failures{0};
  std::atomic<std::uint64_t> disconnects{0};    // established connections that broke
  std::atomic<std::uint64_t> messages{0};       // delivered to on_message
  std::atomic<std::uint64_t> malformed{0};      // dropped: bad or unknown message / channel
  std::atomic<std::uint64_t> resyncs{0};        // on_resync calls
  std::atomic<std::uint64_t> error_replies{0};  // error replies from the server
  std::atomic<bool> connected{false};
};

class Notifications {
 public:
  static constexpr std::size_t kSyncChunk = 512;

  using MessageHandler = std::function<void(const DeviceId&, const ChannelMessage&)>;
  using ResyncHandler = std::function<void(const DeviceId&)>;

  // Starts the thread (it connects at once and keeps trying). Both handlers are required.
  Notifications(NotificationsOptions options, MessageHandler on_message,
                ResyncHandler on_resync);
  ~Notifications();  // stop()
  Notifications(const Notifications&) = delete;
  Notifications& operator=(const Notifications&) = delete;

  // Error kInvalidArgument when max_devices distinct devices are already subscribed, or
  // after stop().
  Status subscribe(const DeviceId& device);
  // No effect for a device that is not subscribed.
  void unsubscribe(const DeviceId& device);
  // Number of distinct devices currently wanted.
  std::size_t subscribed() const;

  // Stops and joins the thread; idempotent. No callback runs after it returns.
  void stop();

  const NotificationStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::relay::redis
