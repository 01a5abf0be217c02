// The rate-limit decision for one request: validate, match every descriptor against the
// rules, and decide all matched descriptors in ONE Redis round trip (a pipeline of the
// shared counter scripts in libs/counters).
//
// Error contract: an invalid request or an unknown domain is an Error with
// RequestError::kInvalidArgument (the caller answers INVALID_ARGUMENT). Redis trouble is
// never an Error: the domain's failure mode decides (closed → every limited descriptor is
// OVER_LIMIT, open → OK) and the decision says it was degraded. Shadow-mode rules report
// OK whatever their counter says. Every outcome moves a metric; labels are the domain
// and the rule id, both from configuration, never from the request.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "bw/counters/counters.hpp"
#include "bw/metrics/metrics.hpp"
#include "bw/redis/pool.hpp"
#include "bw/result.hpp"
#include "core/request.hpp"
#include "core/rules.hpp"

namespace bw::ratelimit {

struct DescriptorStatus {
  bool over_limit = false;
  std::optional<RateLimit> limit;  // none: no rule applied
  std::uint64_t remaining = 0;
  std::int64_t reset_after_ms = 0;
};

struct Decision {
  bool over_limit = false;  // any descriptor over its (non-shadow) limit
  bool degraded = false;    // Redis could not be asked; the failure mode decided
  std::vector<DescriptorStatus> statuses;  // one per request descriptor, in order
};

class Limiter {
 public:
  Limiter(std::shared_ptr<const RuleSet> rules, std::shared_ptr<redis::Pool> pool, metrics::Factory& metrics);
  Result<Decision> decide(const Request& request);
  // Swaps in new rules; requests already deciding finish on the rules they started with.
  void replace_rules(std::shared_ptr<const RuleSet> rules);

 private:
  struct Pending;
  Decision degrade(const Domain& domain, const std::vector<Pending>& pending, std::size_t count);
  void count(const std::string& domain, const std::string& rule, const char* result);

  std::shared_ptr<const RuleSet> rules() const;

  mutable std::mutex rules_mu_;
  std::shared_ptr<const RuleSet> rules_;  // guarded by rules_mu_
  std::shared_ptr<redis::Pool> pool_;
  counters::Counters counters_;
  metrics::Family<prometheus::Counter> decisions_;
  metrics::Family<prometheus::Counter> redis_errors_;
  metrics::Family<prometheus::Histogram> latency_;
};

}  // namespace bw::ratelimit
