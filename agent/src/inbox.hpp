// Inbox: the agent's pure decision on every envelope the relay delivers (docs/security.md,
// "Agent-side enforcement"). No I/O apart from the e2e::StateStore it is given; no clock
// (the caller passes now); no randomness. Used by `breakwater-agent run` for each Delivery.
//
// Guarantees, in the order they are applied:
//  - the sender must be the client device of a pairing this agent knows (PairingBook, the
//    role being the one the agent's user OFFERED, never one a server reported), the
//    recipient must be this agent, and the pairing must not be revoked: revoke() erases
//    the pairing's keys and refuses its messages from then on, whoever reported the
//    revocation (the relay's PairingNotice, `unpair`, a later auth answer);
//  - only client → agent kinds (and ACK/CLOSE) are opened; pairing proofs are not messages;
//  - the envelope is opened with libs/e2e against the stored receiver state: it must
//    authenticate, its inner type must equal the outer kind (so a prompt disguised as an
//    event is dropped), and (epoch, seq) must be new: a repeat inside the current epoch is
//    a DUPLICATE (dropped silently: at-least-once delivery makes them normal), an older
//    epoch is STALE (dropped and reported: after a restart it means a replay);
//  - the pairing's role must allow the kind (a viewer's PROMPT, CONTROL, APPROVAL_ANSWER
//    are dropped) and sent_at must be within the kind's age limit — both checked after
//    authentication, and such a message still advances the state (committed) so it is not
//    later mistaken for a gap;
//  - the new receiver state is committed (synced) BEFORE kAccepted is returned, so the
//    caller acts only on committed messages and acknowledges only after that;
//  - gaps are reported with the verdict: a skipped seq inside an epoch, a previous epoch
//    whose last seq (from the new epoch's marker) was not all received, or a new epoch
//    whose first message is missing.
// Nothing here logs or keeps message content; Verdict carries the body only for kAccepted.
// Thread-safety: none; one thread drives an Inbox. Stats are atomics, readable anywhere.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "bw/e2e/session.hpp"

namespace bw::agent {

// A pairing as the agent itself recorded it at `pair` time.
struct PairingEntry {
  e2e::Id pairing_id{};
  e2e::Id client_device{};
  e2e::Role role = e2e::Role::kMember;
};

// A run of messages that never arrived: seqs [from_seq, to_seq] of epoch n (to_seq 0 =
// unknown end, e.g. whole epochs skipped).
struct Gap {
  std::uint64_t n = 0;
  std::uint64_t from_seq = 0;
  std::uint64_t to_seq = 0;
  friend bool operator==(const Gap&, const Gap&) = default;
};

enum class Outcome {
  kAccepted,   // committed; act on it
  kDuplicate,  // already processed (same epoch, seq not newer): dropped silently
  kDropped,    // refused (see reason); counted and logged by the caller, acknowledged
  kRetry,      // the state store failed: do NOT acknowledge; try again later
};

// Stable, lower-case reasons for kDropped (log fields, metric label values).
enum class DropReason {
  kNone,
  kUnknownSender,    // no pairing with this device (or its keys are gone)
  kRevoked,          // the pairing was revoked
  kWrongRecipient,   // not addressed to this agent
  kWrongDirection,   // an agent → client kind, or a pairing proof
  kStaleEpoch,       // an older epoch than the stored one (replay after restart)
  kKindMismatch,     // inner type ≠ envelope kind
  kRoleForbids,      // the pairing's role may not send this kind
  kTooOld,           // sent_at outside the kind's age limit
  kInvalid,          // does not authenticate or parse
};
std::string_view drop_reason_name(DropReason r);

struct Verdict {
  Outcome outcome = Outcome::kDropped;
  DropReason reason = DropReason::kNone;
  std::optional<PairingEntry> pairing;  // the sender's pairing, when known
  e2e::Header header;                   // the envelope's header
  std::optional<Gap> gap;               // set when this message revealed missing ones
  std::optional<e2e::Message> message;  // kAccepted only
};

struct InboxStats {
  std::atomic<std::uint64_t> accepted{0}, duplicates{0}, dropped{0}, gaps{0}, store_failures{0};
};

class Inbox {
 public:
  Inbox(e2e::StateStore& store, const e2e::Id& self_device, std::chrono::milliseconds approval_timeout);

  // Adds or replaces a pairing (a later `pair` with the same client device replaces it).
  void add_pairing(const PairingEntry& p);
  // Revokes: erases the pairing's keys in the store and refuses its messages from now on.
  // Unknown ids are remembered too (a notice may precede knowledge). Errors: the store's.
  Status revoke(const e2e::Id& pairing_id);
  bool revoked(const e2e::Id& pairing_id) const { return revoked_.count(pairing_id) > 0; }
  std::optional<PairingEntry> pairing_of(const e2e::Id& client_device) const;

  Verdict receive(const e2e::Envelope& envelope, std::int64_t now_ms);
  const InboxStats& stats() const { return stats_; }

 private:
  Verdict drop(Verdict v, DropReason r);
  e2e::StateStore* store_;
  e2e::Id self_;
  std::chrono::milliseconds approval_timeout_;
  std::map<e2e::Id, PairingEntry> by_device_;
  std::set<e2e::Id> revoked_;
  InboxStats stats_;
};

// The gap, if any, that accepting `h`/`m` on top of `stored` reveals (pure).
std::optional<Gap> find_gap(const e2e::ReceiverState& stored, const e2e::Header& h, const e2e::Message& m);

}  // namespace bw::agent
