// Presence: which connection, on which pod, currently holds each device (DESIGN §4), kept
// in bw:{d:<device>}:owner = "<pod id> <connection id> <since ms>" with a TTL.
//
// Guarantees:
// - One live connection per device across pods: claim() records the new owner and, when it
//   replaces a different connection, SPUBLISHes "kick <new connection id>" on the device's
//   own channel in the same Lua step; the pod holding the old connection sends it GoAway
//   SUPERSEDED. A kick can be missed (the old pod's subscriber was reconnecting), so pods
//   also call refresh() periodically and on Notifications' resync: false means superseded.
// - Compare-and-set by connection id: refresh() and mark_offline() act only while the
//   caller's connection still owns the device (one Lua step each), so a stale pod or an
//   older connection on the same pod can never extend or delete a newer owner's record.
// - A pod that dies stops refreshing; its records expire after their TTL (the device then
//   reads as offline). No offline change is published in that case: presence is advisory
//   (relay.proto Presence), and peers re-read it with is_online() after a resync.
// - Connection ids must be unique across pods and time (e.g. "<pod id>/<random hex>");
//   pod and connection ids are tokens (relay_keys.hpp is_valid_token), else
//   kInvalidArgument before anything is sent.
// - Bounded: is_online(), publish() and refresh_many() take at most kMaxDevicesPerCall devices.
//
// Failure behaviour: Errors are bw::redis::Errc values; kConnect / kPoolExhausted mean
// nothing was sent. claim() is not resent after a lost connection (its outcome is then
// unknown; claiming again is safe). Thread-safety: any method from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bw/result.hpp"
#include "redis/channel_message.hpp"
#include "redis/relay_keys.hpp"

namespace bw::redis {
class Pool;
}

namespace bw::relay::redis {

inline constexpr std::size_t kMaxDevicesPerCall = 1024;

struct ClaimResult {
  bool replaced = false;        // another connection held the device; it was kicked
  bool was_online = false;      // some connection held the device before this claim
  std::uint64_t since_ms = 0;   // online since (kept from the previous owner if any)
};

struct DevicePresence {
  bool online = false;
  std::uint64_t since_ms = 0;  // when online: since when (Redis clock, Unix ms)
};

class Presence {
 public:
  Presence(std::shared_ptr<bw::redis::Pool> pool,
           std::chrono::milliseconds checkout_wait = std::chrono::milliseconds(200));

  // Makes `connection_id` (on `pod_id`) the device's owner for `ttl`; kicks the previous
  // owner when it was another connection.
  Result<ClaimResult> claim(const DeviceId& device, std::string_view pod_id,
                            std::string_view connection_id, std::chrono::milliseconds ttl);

  // Extends the record to `ttl` if `connection_id` still owns the device. False: it does
  // not (superseded, or expired) and nothing changed.
  Result<bool> refresh(const DeviceId& device, std::string_view connection_id,
                       std::chrono::milliseconds ttl);

  // refresh() for each (device, connection id), in order, in one pipeline: a pod renews
  // every device it holds in one round trip.
  struct Held {
    DeviceId device{};
    std::string connection_id;
  };
  Result<std::vector<bool>> refresh_many(std::span<const Held> held, std::chrono::milliseconds ttl);

  // Deletes the record if `connection_id` still owns the device. False: someone else owns
  // it (or nobody); nothing changed, and the caller must not announce "offline".
  Result<bool> mark_offline(const DeviceId& device, std::string_view connection_id);

  // The presence of each device, in order (one pipeline).
  Result<std::vector<DevicePresence>> is_online(std::span<const DeviceId> devices);

  // SPUBLISHes `change` on each peer's channel (one pipeline); returns how many pods
  // received it in total (SPUBLISH's counts summed).
  Result<std::uint64_t> publish(const PresenceChange& change, std::span<const DeviceId> peers);

 private:
  std::shared_ptr<bw::redis::Pool> pool_;
  std::chrono::milliseconds checkout_wait_;
};

}  // namespace bw::relay::redis
