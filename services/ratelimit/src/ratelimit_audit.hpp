// The rate limiter's audit events (DESIGN §6): lockouts and over-limit in security domains.
//
// Actions:
//   ratelimit.lockout.started  a RecordFailure that started a ban (target "account" — id: the
//                              caller's hash of the login name — or "address" — the source
//                              address); attributes subject (account|address), ban_seconds.
//   ratelimit.over_limit       a descriptor of a security domain (login, pairing, lockout)
//                              refused; attributes domain and rule (configuration names).
//                              The target id is a hash of the counter key (descriptor
//                              values are never copied: an Envoy descriptor may carry any
//                              header), so repeated bans of one subject can be correlated.
// Tenant: the subject's tenant when the caller scoped it, else the operators' log
// (auditclient::kOperatorsTenant). Actor: anonymous (the subject is who was refused).
//
// Bounded: a lockout event is emitted only on the failure that starts the ban (Redis says
// so: locked and recorded), never on later refused attempts; an over-limit event at most
// once per counter key until its window ends (a bounded memory of keys already reported,
// the same structure as the over-limit cache). submit() never blocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "bw/auditclient/audit_config.hpp"
#include "core/over_limit_cache.hpp"

namespace bw::ratelimit {

enum class LockoutSubjectKind { kAccount, kAddress };

auditclient::Event lockout_started_event(LockoutSubjectKind kind, std::string_view tenant, std::string_view id,
                                         std::chrono::milliseconds ban);
auditclient::Event over_limit_event(std::string_view domain, std::string_view rule, std::string_view counter_key);

class RatelimitAudit {
 public:
  // A null producer makes every call a no-op.
  explicit RatelimitAudit(std::shared_ptr<auditclient::Producer> producer, SteadyNow now = real_steady_clock(),
                          std::size_t remembered_keys = 100'000);
  void lockout_started(LockoutSubjectKind kind, std::string_view tenant, std::string_view id,
                       std::chrono::milliseconds ban);
  // Call for every refused descriptor; emits only for security domains, once per key and window.
  void over_limit(std::string_view domain, std::string_view rule, const std::string& counter_key,
                  std::chrono::milliseconds window_left);

 private:
  std::shared_ptr<auditclient::Producer> producer_;
  OverLimitCache reported_;
};

}  // namespace bw::ratelimit
