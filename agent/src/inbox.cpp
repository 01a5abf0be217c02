// The agent's decision on each delivered envelope; see inbox.hpp for the guarantees.
#include "inbox.hpp"

namespace bw::agent {

std::string_view drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kNone: return "none";
    case DropReason::kUnknownSender: return "unknown_sender";
    case DropReason::kRevoked: return "revoked";
    case DropReason::kWrongRecipient: return "wrong_recipient";
    case DropReason::kWrongDirection: return "wrong_direction";
    case DropReason::kStaleEpoch: return "stale_epoch";
    case DropReason::kKindMismatch: return "kind_mismatch";
    case DropReason::kRoleForbids: return "role_forbids";
    case DropReason::kTooOld: return "too_old";
    case DropReason::kInvalid: return "invalid";
    case DropReason::kNoAssertion: return "no_assertion";
    case DropReason::kBadAssertion: return "bad_assertion";
  }
  return "invalid";
}

Inbox::Inbox(e2e::StateStore& store, const e2e::Id& self_device, std::chrono::milliseconds approval_timeout)
    : store_(&store), self_(self_device), approval_timeout_(approval_timeout) {}

void Inbox::require_assertions(AssertionVerifier verify, const e2e::Id& tenant) {
  verify_ = std::move(verify);
  tenant_ = tenant;
}

void Inbox::add_pairing(const PairingEntry& p) {
  for (auto it = by_device_.begin(); it != by_device_.end();) {
    it = it->second.pairing_id == p.pairing_id ? by_device_.erase(it) : std::next(it);
  }
  by_device_[p.client_device] = p;
}

Status Inbox::revoke(const e2e::Id& pairing_id) {
  revoked_.insert(pairing_id);  // refused from now on, even if the erase below fails
  asserted_.erase(pairing_id);
  return store_->erase(pairing_id);
}

std::optional<PairingEntry> Inbox::pairing_of(const e2e::Id& client_device) const {
  auto it = by_device_.find(client_device);
  if (it == by_device_.end()) return std::nullopt;
  return it->second;
}

Verdict Inbox::drop(Verdict v, DropReason r) {
  v.outcome = Outcome::kDropped;
  v.reason = r;
  v.message.reset();
  ++stats_.dropped;
  return v;
}

std::optional<Gap> find_gap(const e2e::ReceiverState& stored, const e2e::Header& h, const e2e::Message& m) {
  if (h.epoch.n == stored.n) {
    if (h.seq > stored.seq + 1) return Gap{h.epoch.n, stored.seq + 1, h.seq - 1};
    return std::nullopt;
  }
  // A new epoch. Its marker says how the previous one ended.
  if (m.previous) {
    if (m.previous->n == stored.n && m.previous->last_seq > stored.seq) {
      return Gap{stored.n, stored.seq + 1, m.previous->last_seq};
    }
    // An epoch this side never saw a message of, though it held some.
    if (m.previous->n > stored.n && m.previous->last_seq > 0) return Gap{m.previous->n, 1, m.previous->last_seq};
  } else if (stored.n != 0) {
    return Gap{h.epoch.n, 1, h.seq > 1 ? h.seq - 1 : 0};  // the epoch's first message is missing
  }
  if (h.seq > 1) return Gap{h.epoch.n, 1, h.seq - 1};
  return std::nullopt;
}

Verdict Inbox::receive(const e2e::Envelope& envelope, std::int64_t now_ms) {
  Verdict v;
  v.header = envelope.header;
  const auto& h = envelope.header;
  auto p = pairing_of(h.sender);
  if (!p) return drop(std::move(v), DropReason::kUnknownSender);
  v.pairing = p;
  if (revoked(p->pairing_id)) return drop(std::move(v), DropReason::kRevoked);
  if (h.recipient != self_) return drop(std::move(v), DropReason::kWrongRecipient);
  const auto dir = e2e::kind_direction(h.kind);
  if ((dir && *dir != e2e::Direction::kClientToAgent) || h.kind == e2e::Kind::kPairClientProof) {
    return drop(std::move(v), DropReason::kWrongDirection);
  }
  constexpr auto kIn = e2e::Direction::kClientToAgent;
  auto stored = store_->load_receiver(p->pairing_id, kIn);
  if (!stored) {
    ++stats_.store_failures;
    v.outcome = Outcome::kRetry;
    return v;
  }
  if (!stored->has_value()) return drop(std::move(v), DropReason::kUnknownSender);  // keys erased: re-pair
  const e2e::ReceiverState& st = **stored;
  if (h.epoch.n != 0 && h.epoch.n < st.n) return drop(std::move(v), DropReason::kStaleEpoch);
  auto opened = e2e::open_envelope(st, envelope, p->pairing_id, kIn);
  if (!opened) {
    if (e2e::has_code(opened.error(), e2e::Errc::kReplay) && h.epoch.n == st.n && h.epoch.r == st.r) {
      v.outcome = Outcome::kDuplicate;
      ++stats_.duplicates;
      return v;
    }
    if (e2e::has_code(opened.error(), e2e::Errc::kKindMismatch)) return drop(std::move(v), DropReason::kKindMismatch);
    if (e2e::has_code(opened.error(), e2e::Errc::kReplay)) return drop(std::move(v), DropReason::kStaleEpoch);
    return drop(std::move(v), DropReason::kInvalid);
  }
  v.gap = find_gap(st, h, opened->message);
  if (v.gap) ++stats_.gaps;
  // Authentic and new: the state advances whatever is decided below, so that a refused
  // message is not later taken for a gap. Committed before anyone acts.
  if (auto c = e2e::commit(*store_, p->pairing_id, kIn, opened->next); !c) {
    ++stats_.store_failures;
    v.outcome = Outcome::kRetry;
    v.gap.reset();
    return v;
  }
  if (verify_ && h.kind == e2e::Kind::kAssertion) {
    v.message = std::move(opened->message);
    return take_assertion(std::move(v), *p, now_ms);
  }
  e2e::Role role = p->role;
  if (verify_ && h.kind != e2e::Kind::kAck && h.kind != e2e::Kind::kClose) {
    auto a = asserted_.find(p->pairing_id);
    if (a == asserted_.end() || a->second.n != h.epoch.n) return drop(std::move(v), DropReason::kNoAssertion);
    role = a->second.role;
  }
  v.role = role;
  if (!e2e::role_may_send(role, h.kind)) return drop(std::move(v), DropReason::kRoleForbids);
  if (!e2e::check_age(h, now_ms, approval_timeout_)) return drop(std::move(v), DropReason::kTooOld);
  v.outcome = Outcome::kAccepted;
  v.message = std::move(opened->message);
  ++stats_.accepted;
  return v;
}

// The ASSERTION message of an epoch, already authenticated and committed: checked, then
// remembered for that epoch (a later one in the same epoch replaces it, never raising the
// pairing's role).
Verdict Inbox::take_assertion(Verdict v, const PairingEntry& p, std::int64_t now_ms) {
  const auto bad = [&](std::string why) {
    v.detail = std::move(why);
    return drop(std::move(v), DropReason::kBadAssertion);
  };
  if (!e2e::check_age(v.header, now_ms, approval_timeout_)) return drop(std::move(v), DropReason::kTooOld);
  if (!p.client_key_sha256) return bad("the pairing predates device assertions: pair again");
  const auto& body = v.message->body;
  auto who = verify_(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()), now_ms);
  if (!who) return bad(who.error().message);
  if (who->tenant != tenant_) return bad("another tenant");
  if (who->device != p.client_device) return bad("another device");
  if (p.client_user && who->user != *p.client_user) return bad("another user");
  if (who->key_sha256 != *p.client_key_sha256) return bad("another pairing key");
  const auto role = e2e::lower_role(p.role, who->role);
  asserted_[p.pairing_id] = {v.header.epoch.n, role};
  v.role = role;
  v.outcome = Outcome::kAccepted;
  ++stats_.accepted;
  return v;
}

}  // namespace bw::agent
