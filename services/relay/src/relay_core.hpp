// The relay's actors (DESIGN §4): one connection actor per agent stream or client
// WebSocket, one router per pod (device → connection, notifications, drain), a pool of
// I/O workers sharing one queue that run blocking calls (auth, Redis reads and acks,
// presence), and appender actors that pipeline the atomic Redis step for envelopes.
// Everything the actors share is in Relay::Shared.
//
// Guarantees:
//  - An envelope is appended only after every rule of check_envelope() held and the quota
//    allowed it; every refusal sends the sender an Error naming the envelope and moves a
//    counter. Envelopes from one connection to one recipient are appended in the order
//    they arrived (one appender per recipient hash).
//  - Deliveries go out in mailbox order, at most max_unacked ahead of the peer's Ack. A
//    notification that carries its entry is delivered from it only when the entry's
//    predecessor is at or before the connection's last delivery (nothing can lie between);
//    otherwise, and after every resync, Ack and tick, the mailbox is read, so a lost
//    notification delays a message by at most one tick and never loses it.
//  - Bounded memory: a connection holds at most max_unacked deliveries in its transport
//    queue (whose byte bound closes a slow reader) and at most max_pending envelopes in
//    flight to Redis; beyond that it is closed with a reason.
//  - Credentials: re-checked every recheck_interval (device token at auth, the user's
//    revocation epoch, live pairings) and at expiry; a failed re-check ends the
//    connection with GoAway.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "auth_link.hpp"
#include "backend.hpp"
#include "bw/metrics/metrics.hpp"
#include "rules.hpp"
#include "transport.hpp"

namespace bw::quota {
class QuotaClient;
}

namespace bw::relay {

class RelayAudit;

struct RelayOptions {
  std::string pod_id;                                   // unique per process
  RuleLimits limits;
  std::uint32_t max_unacked = 64;                       // deliveries ahead of the last Ack
  std::uint32_t max_pending = 256;                      // envelopes in flight per connection
  std::chrono::milliseconds hello_timeout{10'000};
  std::chrono::milliseconds ping_interval{15'000};
  std::chrono::milliseconds idle_timeout{45'000};       // nothing received for this long: closed
  std::chrono::milliseconds recheck_interval{30'000};
  std::chrono::milliseconds pairing_refresh_min{2'000}; // unknown recipient: refetch at most this often
  std::chrono::milliseconds drain_grace{1'000};         // after GoAway, before closing
  std::size_t io_actors = 4;
  std::size_t appenders = 2;
  std::size_t max_batch = 64;                           // envelopes per Redis pipeline
  std::string quota_domain = "relay";                   // rate-limit domain (empty: no quota)
  std::shared_ptr<RelayAudit> audit;                    // audit events (relay_audit.hpp); null: none
};

// The wait before a connection's next tick (ping, idle check, credential re-check): the
// interval less up to a fifth of it (the first tick: up to half), by `unit` in [0, 1)
// (drawn at random per tick). So the connections of a reconnect storm — every client of a
// drained pod arrives within a second — spread their first pings over half an interval and
// keep drifting apart, instead of pinging and re-checking at auth in lockstep for as long as
// they live; and a ping still comes at least every interval.
std::chrono::milliseconds tick_delay(std::chrono::milliseconds interval, double unit, bool first = false);

class Relay {
 public:
  struct Shared;
  Relay(std::shared_ptr<RelayBackend> backend, std::shared_ptr<AuthLink> auth,
        std::shared_ptr<quota::QuotaClient> quota, metrics::Factory& metrics, RelayOptions options,
        std::size_t threads);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // A new connection from a transport; returns the function the transport calls for each
  // frame it reads (in order) and, with nullptr, once when the peer is gone.
  using InboundFn = std::function<void(const Inbound*)>;
  InboundFn open(std::shared_ptr<Outbound> out);
  // Called by the backend's subscriber thread.
  void notify(const std::string& device, const ChannelEvent& event);
  // SIGTERM: every connection gets GoAway DRAINING and is closed after drain_grace.
  void drain();
  // Connections open now.
  std::size_t connections() const;
  // Blocking jobs (auth calls, mailbox reads and acks, presence) waiting for an I/O worker.
  std::size_t io_queued() const;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace bw::relay
