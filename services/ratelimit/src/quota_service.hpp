// breakwater.ratelimit.v1.Quota: quota leases, one-time checks and lockout counters over the
// shared counter scripts (libs/counters), on the same rules and Redis as ShouldRateLimit.
//
// Error contract (gRPC status):
//  - INVALID_ARGUMENT with a reason for a malformed request or an unknown domain.
//  - UNAVAILABLE when Redis cannot be asked, for CheckAndRecord, the lockout calls and
//    ReturnLease: callers fail closed (an unknown first use is refused, an unknown lockout
//    state blocks the attempt).
//  - AcquireLease never fails for Redis trouble: a fail-closed domain (every security
//    domain) grants 0 with a retry_after, a fail-open one grants the capped amount without
//    a lease id; both are counted as degraded.
// Leases: descriptors are matched exactly as ShouldRateLimit matches them and draw on the
// very same counter; no rule → the request is granted in full, unlimited, without a lease
// id; a shadow-mode rule grants the capped amount even when its counter is spent (counted).
// Metrics are labelled by domain and rule id from configuration, by subject kind and by a
// closed set of scope names — never by a caller's id.
// Redis: the service gives the Quota API its own connection pool (so ShouldRateLimit load
// cannot starve logins) and a circuit breaker: while Redis is unreachable, calls are
// answered at once (UNAVAILABLE, or the lease failure mode) instead of each waiting out the
// connect timeout.
#pragma once

#include <memory>
#include <mutex>

#include "breakwater/ratelimit/v1/ratelimit.grpc.pb.h"
#include "bw/counters/counters.hpp"
#include "bw/metrics/metrics.hpp"
#include "bw/redis/pool.hpp"
#include "core/circuit_breaker.hpp"
#include "core/quota.hpp"
#include "core/rules.hpp"

namespace bw::ratelimit {

namespace v1 = ::breakwater::ratelimit::v1;

class RatelimitAudit;

struct QuotaOptions {
  LeasePolicy lease;
  LockoutPolicies lockout;
  std::shared_ptr<RatelimitAudit> audit;  // lockouts started (ratelimit_audit.hpp); null: none
};

class QuotaService final : public v1::Quota::Service {
 public:
  QuotaService(std::shared_ptr<const RuleSet> rules, std::shared_ptr<redis::Pool> pool, QuotaOptions options,
               metrics::Factory& metrics);

  // Swaps in new rules (reload); calls in flight finish on the rules they started with.
  void replace_rules(std::shared_ptr<const RuleSet> rules);

  grpc::Status AcquireLease(grpc::ServerContext*, const v1::AcquireLeaseRequest*, v1::AcquireLeaseResponse*) override;
  grpc::Status ReturnLease(grpc::ServerContext*, const v1::ReturnLeaseRequest*, v1::ReturnLeaseResponse*) override;
  grpc::Status AcquireLeases(grpc::ServerContext*, const v1::AcquireLeasesRequest*, v1::AcquireLeasesResponse*) override;
  grpc::Status ReturnLeases(grpc::ServerContext*, const v1::ReturnLeasesRequest*, v1::ReturnLeasesResponse*) override;
  grpc::Status CheckAndRecord(grpc::ServerContext*, const v1::CheckAndRecordRequest*,
                              v1::CheckAndRecordResponse*) override;
  grpc::Status RecordFailure(grpc::ServerContext*, const v1::RecordFailureRequest*, v1::LockoutStatus*) override;
  grpc::Status CheckLockout(grpc::ServerContext*, const v1::CheckLockoutRequest*, v1::LockoutStatus*) override;
  grpc::Status ClearFailures(grpc::ServerContext*, const v1::ClearFailuresRequest*,
                             v1::ClearFailuresResponse*) override;

 private:
  enum class LockoutOp { kRecord, kCheck, kClear };
  static const char* op_name(LockoutOp op);
  std::shared_ptr<const RuleSet> rules() const;
  // One lease taken or given back, on the given rules: OK, or INVALID_ARGUMENT for a bad
  // request (and, for give_back only, UNAVAILABLE when Redis could not be reached).
  grpc::Status acquire(const RuleSet& rules_now, const v1::AcquireLeaseRequest& req, v1::AcquireLeaseResponse* res);
  // Several leases taken at once: their Redis steps go in one pipeline (one round trip).
  // One status per request, as acquire() answers it; answers go to out[i].
  struct LeaseStep;
  std::vector<grpc::Status> acquire_all(const RuleSet& rules_now, const std::vector<const v1::AcquireLeaseRequest*>& reqs,
                                        const std::vector<v1::AcquireLeaseResponse*>& out);
  void answer_lease(const LeaseStep& step, const Result<counters::LeaseGrant>& grant, v1::AcquireLeaseResponse* res);
  // Several leases given back at once, in one pipeline; one status per request, as give_back() answers it.
  std::vector<grpc::Status> give_back_all(const RuleSet& rules_now, const std::vector<const v1::ReturnLeaseRequest*>& reqs,
                                          const std::vector<v1::ReturnLeaseResponse*>& out);
  grpc::Status give_back(const RuleSet& rules_now, const v1::ReturnLeaseRequest& req, v1::ReturnLeaseResponse* res);
  // Runs `call` on a pooled connection unless the breaker is open (then an error at once),
  // and tells the breaker how Redis did. A busy pool is overload, not an outage.
  template <class T, class Call>
  Result<T> with_redis(Call&& call);
  grpc::Status lockout(const v1::LockoutSubject& subject, const std::string& domain, LockoutOp op,
                       v1::LockoutStatus* out);

  mutable std::mutex rules_mu_;
  std::shared_ptr<const RuleSet> rules_;  // guarded by rules_mu_
  std::shared_ptr<redis::Pool> pool_;
  QuotaOptions options_;
  counters::Counters counters_;
  metrics::Family<prometheus::Counter> leases_;
  metrics::Family<prometheus::Counter> lease_tokens_;
  metrics::Family<prometheus::Counter> once_;
  metrics::Family<prometheus::Counter> lockouts_;
  metrics::Family<prometheus::Counter> redis_errors_;
  prometheus::Counter& short_circuits_;
  CircuitBreaker breaker_;
};

}  // namespace bw::ratelimit
