// The relay's audit events (DESIGN §4 "repeated abuse is audited", §6).
//
// What the relay reports, as actions:
//   relay.envelope.rejected     an envelope refused by a routing rule (attribute reason: the
//                               error code name, e.g. "replayed_nonce", "not_paired")
//   relay.sender.rate_limited   a sender over its quota or with too many envelopes in flight
//   relay.connection.auth_failed  a connection whose credential was refused
//   relay.connection.slow_reader  a connection closed because it did not read its deliveries
// The actor is the sending or connected device (tenant: its tenant). A failed
// authentication has no trustworthy identity: it goes to the operators' log
// (auditclient::kOperatorsTenant, all-zero tenant id) with an anonymous actor.
// Events never carry envelope content, ciphertext, nonces, recipients' ids or credentials.
// The relay has no peer address at this layer: source_address stays empty.
//
// Bounded: repeated refusals are folded — at most one event per connection, action and
// reason per window (attribute count = refusals it stands for), and at most one
// auth_failed event per transport per window for the whole relay. Submitting never blocks
// (auditclient::AuditClient::submit).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "bw/auditclient/audit_config.hpp"
#include "rules.hpp"

namespace bw::relay {

// Folds repeats of one key within a window. Not thread-safe (one per connection actor).
class EventThrottle {
 public:
  explicit EventThrottle(std::chrono::milliseconds window) : window_(window) {}
  // How many occurrences (≥ 1) an event emitted now stands for, or 0: fold this one.
  std::uint64_t admit(const std::string& key, std::chrono::steady_clock::time_point now);
  // Keys with folded occurrences not yet reported, and how many; clears them.
  std::map<std::string, std::uint64_t> take_folded();

 private:
  struct Entry {
    std::chrono::steady_clock::time_point last{};
    std::uint64_t folded = 0;
  };
  std::chrono::milliseconds window_;
  std::map<std::string, Entry> entries_;
};

inline constexpr std::chrono::milliseconds kAuditWindow{60'000};

// True for refusals that say something about the sender (policy: not_paired, cross_tenant,
// role_forbids_kind, clock_skew, replayed_nonce, too_large, rate_limited, overloaded,
// bad_version, malformed, sender_mismatch); false for the relay's own trouble
// (unavailable, internal, going_away) and the recipient's (mailbox_full).
bool is_audited_refusal(std::string_view reason);

// Pure event builders (tested without a relay).
auditclient::Event envelope_rejected_event(const Identity& sender, std::string_view reason, std::uint64_t count);
auditclient::Event rate_limited_event(const Identity& sender, std::string_view reason, std::uint64_t count);
auditclient::Event auth_failed_event(std::string_view transport, std::uint64_t count);
auditclient::Event slow_reader_event(const Identity& who, std::string_view transport);

// The relay's port to its audit producer; a null producer makes every call a no-op.
class RelayAudit {
 public:
  explicit RelayAudit(std::shared_ptr<auditclient::Producer> producer) : producer_(std::move(producer)) {}
  // `throttle` is the connection's own.
  void envelope_refused(EventThrottle& throttle, const Identity& sender, std::string_view reason, bool rate_limited);
  void auth_failed(std::string_view transport);
  void slow_reader(const Identity& who, std::string_view transport);
  // At the end of a connection: one event per reason for the refusals still folded.
  void connection_closed(EventThrottle& throttle, const Identity& who);

 private:
  std::shared_ptr<auditclient::Producer> producer_;
  std::mutex mu_;
  EventThrottle auth_throttle_{kAuditWindow};  // guarded by mu_
};

}  // namespace bw::relay
