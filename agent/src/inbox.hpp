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
//  - with require_assertions() (the agent always sets it): an ASSERTION message must open
//    each epoch of a client's messages — a device assertion signed by auth (DESIGN §2, §3)
//    naming this tenant, the pairing's client device and user, and the SHA-256 of the
//    client's pairing key C that the pairing handshake authenticated; its role lowers the
//    pairing's for the rest of that epoch. Until a valid one arrives, the epoch's PROMPT,
//    CONTROL and APPROVAL_ANSWER messages are dropped (no_assertion); ACK and CLOSE need
//    none. What verified assertions were seen lives in memory only: after an agent
//    restart, a client's epoch that began before it is refused until the client opens a
//    new epoch (the terminal client opens one per process);
//  - the effective role must allow the kind (a viewer's PROMPT, CONTROL, APPROVAL_ANSWER
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

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
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
  // SHA-256 of the client's pairing key C, as the handshake authenticated it, and the
  // client's user as auth reported it at the claim; absent in pairings recorded before
  // device assertions existed (their assertions are refused: re-pair).
  std::optional<std::array<std::uint8_t, 32>> client_key_sha256;
  std::optional<e2e::Id> client_user;
};

// What a device assertion says once its signature, issuer, audience, kind and times have
// been checked against auth's key set (assertion_checker.hpp).
struct AssertedDevice {
  e2e::Id tenant{}, user{}, device{};
  e2e::Role role = e2e::Role::kViewer;
  std::array<std::uint8_t, 32> key_sha256{};
};
// Checks a compact JWS at now_ms. Errors carry the reason (no secret in them).
using AssertionVerifier = std::function<Result<AssertedDevice>(std::string_view token, std::int64_t now_ms)>;

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
  kNoAssertion,      // the epoch has no valid device assertion (yet)
  kBadAssertion,     // an ASSERTION that does not verify or names another device/key/tenant
};
std::string_view drop_reason_name(DropReason r);

struct Verdict {
  Outcome outcome = Outcome::kDropped;
  DropReason reason = DropReason::kNone;
  std::optional<PairingEntry> pairing;  // the sender's pairing, when known
  std::optional<e2e::Role> role;        // the effective role the message was judged by
  std::string detail;                   // kBadAssertion: why (for the log; no secret)
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

  // From now on every client epoch must open with a device assertion that `verify` accepts
  // and that names `tenant` (see the guarantees above).
  void require_assertions(AssertionVerifier verify, const e2e::Id& tenant);
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
  Verdict take_assertion(Verdict v, const PairingEntry& p, std::int64_t now_ms);
  struct Asserted {
    std::uint64_t n = 0;  // the epoch it opened
    e2e::Role role = e2e::Role::kViewer;
  };
  e2e::StateStore* store_;
  AssertionVerifier verify_;
  e2e::Id tenant_{};
  std::map<e2e::Id, Asserted> asserted_;  // by pairing
  e2e::Id self_;
  std::chrono::milliseconds approval_timeout_;
  std::map<e2e::Id, PairingEntry> by_device_;
  std::set<e2e::Id> revoked_;
  InboxStats stats_;
};

// The gap, if any, that accepting `h`/`m` on top of `stored` reveals (pure).
std::optional<Gap> find_gap(const e2e::ReceiverState& stored, const e2e::Header& h, const e2e::Message& m);

}  // namespace bw::agent
