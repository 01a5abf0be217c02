#include "rules.hpp"

#include <cstdlib>

namespace bw::relay {
namespace {

namespace v1 = breakwater::relay::v1;

bool is_id(const std::string& s) { return s.size() == kIdSize; }

bool is_proof(v1::Kind k) { return k == v1::KIND_PAIR_CLIENT_PROOF || k == v1::KIND_PAIR_AGENT_PROOF; }

bool all_zero(const std::string& s) {
  for (char c : s) {
    if (c != 0) return false;
  }
  return true;
}

}  // namespace

std::size_t envelope_size(const v1::Envelope& e) { return kHeaderSize + e.ciphertext().size(); }

bool direction_allows(DeviceKind sender, v1::Kind kind) {
  switch (kind) {
    case v1::KIND_PAIR_AGENT_PROOF:
    case v1::KIND_APPROVAL_REQUEST:
    case v1::KIND_OUTPUT:
    case v1::KIND_EVENT:
      return sender == breakwater::common::v1::DEVICE_KIND_AGENT;
    case v1::KIND_PAIR_CLIENT_PROOF:
    case v1::KIND_ASSERTION:
    case v1::KIND_PROMPT:
    case v1::KIND_CONTROL:
    case v1::KIND_APPROVAL_ANSWER:
      return sender == breakwater::common::v1::DEVICE_KIND_CLIENT;
    case v1::KIND_ACK:
    case v1::KIND_CLOSE:
      return sender == breakwater::common::v1::DEVICE_KIND_AGENT ||
             sender == breakwater::common::v1::DEVICE_KIND_CLIENT;
    default:
      return false;
  }
}

bool role_allows(Role role, v1::Kind kind) {
  using breakwater::common::v1::ROLE_ADMIN;
  using breakwater::common::v1::ROLE_MEMBER;
  using breakwater::common::v1::ROLE_OWNER;
  using breakwater::common::v1::ROLE_VIEWER;
  if (role != ROLE_OWNER && role != ROLE_ADMIN && role != ROLE_MEMBER && role != ROLE_VIEWER) return false;
  if (role != ROLE_VIEWER) return true;
  return kind != v1::KIND_PROMPT && kind != v1::KIND_CONTROL && kind != v1::KIND_APPROVAL_ANSWER;
}

ErrorCode check_envelope(const Identity& sender, const v1::Envelope& e, const PairingView* pairing,
                         std::int64_t now_ms, const RuleLimits& limits) {
  if (!is_id(e.sender()) || !is_id(e.recipient()) || e.epoch().size() != 16 || e.nonce().size() != 16) {
    return v1::Error::MALFORMED;
  }
  if (e.kind() <= v1::KIND_UNSPECIFIED || e.kind() > v1::KIND_CLOSE) return v1::Error::MALFORMED;
  if (is_proof(e.kind())) {
    // Not AEAD-sealed: exactly the 32-byte MAC, a zero epoch and seq 0 (relay.proto Kind).
    if (e.ciphertext().size() != kProofSize || e.seq() != 0 || !all_zero(e.epoch())) return v1::Error::MALFORMED;
  } else if (e.seq() == 0 || e.ciphertext().size() < kTagSize) {
    return v1::Error::MALFORMED;
  }
  if (e.version() != 1) return v1::Error::BAD_VERSION;
  if (e.sender() != sender.device) return v1::Error::SENDER_MISMATCH;
  if (e.recipient() == sender.device) return v1::Error::NOT_PAIRED;
  if (envelope_size(e) > limits.max_envelope_bytes) return v1::Error::TOO_LARGE;
  const auto sent = static_cast<std::int64_t>(e.sent_at_ms() > static_cast<std::uint64_t>(INT64_MAX)
                                                  ? INT64_MAX
                                                  : e.sent_at_ms());
  const auto skew = sent > now_ms ? sent - now_ms : now_ms - sent;
  if (skew > static_cast<std::int64_t>(limits.max_clock_skew_ms)) return v1::Error::CLOCK_SKEW;
  if (!direction_allows(sender.kind, e.kind())) return v1::Error::ROLE_FORBIDS_KIND;
  if (pairing == nullptr || pairing->peer != e.recipient()) return v1::Error::NOT_PAIRED;
  if (sender.kind == breakwater::common::v1::DEVICE_KIND_CLIENT && !role_allows(pairing->role, e.kind())) {
    return v1::Error::ROLE_FORBIDS_KIND;
  }
  return v1::Error::CODE_UNSPECIFIED;  // no rule broken
}

const char* code_name(ErrorCode code) {
  switch (code) {
    case v1::Error::CODE_UNSPECIFIED: return "ok";
    case v1::Error::UNAUTHENTICATED: return "unauthenticated";
    case v1::Error::NOT_PAIRED: return "not_paired";
    case v1::Error::CROSS_TENANT: return "cross_tenant";
    case v1::Error::ROLE_FORBIDS_KIND: return "role_forbids_kind";
    case v1::Error::CLOCK_SKEW: return "clock_skew";
    case v1::Error::REPLAYED_NONCE: return "replayed_nonce";
    case v1::Error::TOO_LARGE: return "too_large";
    case v1::Error::RATE_LIMITED: return "rate_limited";
    case v1::Error::BAD_VERSION: return "bad_version";
    case v1::Error::MALFORMED: return "malformed";
    case v1::Error::MAILBOX_FULL: return "mailbox_full";
    case v1::Error::INTERNAL: return "internal";
    case v1::Error::GOING_AWAY: return "going_away";
    case v1::Error::SENDER_MISMATCH: return "sender_mismatch";
    case v1::Error::UNAVAILABLE: return "unavailable";
    default: return "other";
  }
}

}  // namespace bw::relay
