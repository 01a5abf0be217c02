// RelayBackend on Redis: the mailboxes, presence, notifications and revocation epochs of
// the redis/ layer (bw_relay_redis), behind the interface the actors use.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "backend.hpp"
#include "bw/redis/connection.hpp"

namespace bw::redis {
class Pool;
}

namespace bw::relay {

struct RedisBackendOptions {
  std::string pod_id;
  bw::redis::ConnectionOptions subscriber;          // the dedicated pub/sub connection
  std::uint64_t mailbox_max_entries = 10000;
  std::chrono::milliseconds mailbox_max_age{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds nonce_window{std::chrono::minutes(10)};
  std::size_t max_envelope_bytes = 1100 * 1024;
  std::chrono::milliseconds presence_ttl{std::chrono::seconds(30)};
  std::size_t notify_inline_max_bytes = 16 * 1024;  // envelopes published with their notification (0: none)
};

// `sink` receives every channel event (from the subscriber's thread; it must not block).
std::shared_ptr<RelayBackend> make_redis_backend(std::shared_ptr<bw::redis::Pool> pool, RedisBackendOptions options,
                                                 ChannelSink sink);

}  // namespace bw::relay
