// Relay audit events and their throttle (see relay_audit.hpp).
#include "relay_audit.hpp"

namespace bw::relay {
namespace {

using auditclient::EventBuilder;
using auditclient::Outcome;

auditclient::Id tenant_of(const Identity& who) {
  auditclient::Id id = auditclient::kOperatorsTenant;
  auditclient::to_id(who.tenant, id);
  return id;
}

EventBuilder device_event(std::string_view action, const Identity& who) {
  EventBuilder b(action, tenant_of(who));
  if (who.device.size() == 16) b.device(who.device).target("device", who.device);
  else b.anonymous();
  return b;
}

}  // namespace

std::uint64_t EventThrottle::admit(const std::string& key, std::chrono::steady_clock::time_point now) {
  auto [it, fresh] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (!fresh && now - e.last < window_) {
    ++e.folded;
    return 0;
  }
  const std::uint64_t count = e.folded + 1;
  e.last = now;
  e.folded = 0;
  return count;
}

bool is_audited_refusal(std::string_view reason) {
  static constexpr std::string_view kAudited[] = {"not_paired", "cross_tenant",  "role_forbids_kind", "clock_skew",
                                                  "replayed_nonce", "too_large", "rate_limited",      "overloaded",
                                                  "bad_version",    "malformed", "sender_mismatch"};
  for (auto r : kAudited) {
    if (r == reason) return true;
  }
  return false;
}

std::map<std::string, std::uint64_t> EventThrottle::take_folded() {
  std::map<std::string, std::uint64_t> out;
  for (auto& [key, e] : entries_) {
    if (e.folded > 0) out.emplace(key, e.folded);
    e.folded = 0;
  }
  return out;
}

auditclient::Event envelope_rejected_event(const Identity& sender, std::string_view reason, std::uint64_t count) {
  return device_event("relay.envelope.rejected", sender)
      .result(Outcome::kDenied)
      .attribute("reason", reason)
      .attribute("count", std::to_string(count))
      .build();
}

auditclient::Event rate_limited_event(const Identity& sender, std::string_view reason, std::uint64_t count) {
  return device_event("relay.sender.rate_limited", sender)
      .result(Outcome::kDenied)
      .attribute("reason", reason)
      .attribute("count", std::to_string(count))
      .build();
}

auditclient::Event auth_failed_event(std::string_view transport, std::uint64_t count) {
  return EventBuilder("relay.connection.auth_failed", auditclient::kOperatorsTenant)
      .anonymous()
      .target("connection")
      .result(Outcome::kFailure)
      .attribute("transport", transport)
      .attribute("count", std::to_string(count))
      .build();
}

auditclient::Event slow_reader_event(const Identity& who, std::string_view transport) {
  return device_event("relay.connection.slow_reader", who)
      .result(Outcome::kDenied)
      .attribute("transport", transport)
      .build();
}

void RelayAudit::connection_closed(EventThrottle& throttle, const Identity& who) {
  if (!producer_ || !producer_->enabled()) return;
  for (const auto& [key, count] : throttle.take_folded()) {
    const bool rate_limited = key.starts_with("rl:");
    const std::string_view reason = std::string_view(key).substr(key.find(':') + 1);
    producer_->submit(rate_limited ? rate_limited_event(who, reason, count) : envelope_rejected_event(who, reason, count));
  }
}

void RelayAudit::envelope_refused(EventThrottle& throttle, const Identity& sender, std::string_view reason,
                                  bool rate_limited) {
  if (!producer_ || !producer_->enabled() || !is_audited_refusal(reason)) return;
  const std::string key = (rate_limited ? "rl:" : "env:") + std::string(reason);
  const auto count = throttle.admit(key, std::chrono::steady_clock::now());
  if (count == 0) return;
  producer_->submit(rate_limited ? rate_limited_event(sender, reason, count)
                                 : envelope_rejected_event(sender, reason, count));
}

void RelayAudit::auth_failed(std::string_view transport) {
  if (!producer_ || !producer_->enabled()) return;
  std::uint64_t count = 0;
  {
    std::lock_guard lock(mu_);
    count = auth_throttle_.admit(std::string(transport), std::chrono::steady_clock::now());
  }
  if (count > 0) producer_->submit(auth_failed_event(transport, count));
}

void RelayAudit::slow_reader(const Identity& who, std::string_view transport) {
  if (producer_ && producer_->enabled()) producer_->submit(slow_reader_event(who, transport));
}

}  // namespace bw::relay
