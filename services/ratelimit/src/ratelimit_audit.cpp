// Rate limiter audit events (see ratelimit_audit.hpp).
#include "ratelimit_audit.hpp"

#include "bw/crypto/sha256.hpp"
#include "core/rules.hpp"

namespace bw::ratelimit {
namespace {

auditclient::Id tenant_or_operators(std::string_view tenant) {
  auditclient::Id id = auditclient::kOperatorsTenant;
  auditclient::to_id(tenant, id);
  return id;
}

}  // namespace

auditclient::Event lockout_started_event(LockoutSubjectKind kind, std::string_view tenant, std::string_view id,
                                         std::chrono::milliseconds ban) {
  const bool account = kind == LockoutSubjectKind::kAccount;
  auditclient::EventBuilder b("ratelimit.lockout.started", tenant_or_operators(tenant));
  b.anonymous().result(auditclient::Outcome::kDenied);
  b.target(account ? "account" : "address", id.size() <= auditclient::kMaxTargetIdBytes ? id : std::string_view());
  b.attribute("subject", account ? "account" : "address");
  b.attribute("ban_seconds", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ban).count()));
  return b.build();
}

auditclient::Event over_limit_event(std::string_view domain, std::string_view rule, std::string_view counter_key) {
  const auto digest = crypto::sha256(as_bytes(counter_key));
  return auditclient::EventBuilder("ratelimit.over_limit", auditclient::kOperatorsTenant)
      .anonymous()
      .target("descriptor", std::string_view(reinterpret_cast<const char*>(digest.data()), 16))
      .result(auditclient::Outcome::kDenied)
      .attribute("domain", domain)
      .attribute("rule", rule)
      .build();
}

RatelimitAudit::RatelimitAudit(std::shared_ptr<auditclient::Producer> producer, SteadyNow now,
                               std::size_t remembered_keys)
    : producer_(std::move(producer)), reported_(remembered_keys, std::move(now)) {}

void RatelimitAudit::lockout_started(LockoutSubjectKind kind, std::string_view tenant, std::string_view id,
                                     std::chrono::milliseconds ban) {
  if (producer_ && producer_->enabled()) producer_->submit(lockout_started_event(kind, tenant, id, ban));
}

void RatelimitAudit::over_limit(std::string_view domain, std::string_view rule, const std::string& counter_key,
                                std::chrono::milliseconds window_left) {
  if (!producer_ || !producer_->enabled() || !is_security_domain(domain)) return;
  if (reported_.remaining(counter_key)) return;  // already reported in this window
  reported_.insert(counter_key, std::max(window_left, std::chrono::milliseconds(1000)));
  producer_->submit(over_limit_event(domain, rule, counter_key));
}

}  // namespace bw::ratelimit
