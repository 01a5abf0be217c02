// The rate-limit decision for one request: validate, match every descriptor against the
// rules, answer what the local over-limit cache already knows, and decide the rest in ONE
// Redis pipeline (the shared counter scripts of libs/counters), batched with concurrent
// requests onto few connections (batcher.hpp). decide_async() holds no thread while Redis
// answers; the gRPC service finishes its calls from the Batcher's completion.
//
// Error contract: an invalid request or an unknown domain is an Error with
// RequestError::kInvalidArgument (the caller answers INVALID_ARGUMENT). Redis trouble is
// never an Error: the domain's failure mode decides (closed → every limited descriptor is
// OVER_LIMIT, open → OK) and the decision says it was degraded. After a Redis failure the
// circuit breaker (core/circuit_breaker.hpp) answers by the failure mode at once, without
// trying Redis, for a short growing interval, letting one probe request through each time
// it ends. Shadow-mode rules report OK whatever their counter says; when Redis cannot be
// asked there is no counter, and a fail-closed domain refuses every limited descriptor,
// shadow-mode ones included (a rule file cannot open a closed domain). An overloaded
// Batcher (queue full, or a job not sent in time) is decided the same way and counted in
// redis_errors_total like an outage, since the decision could not be made.
//
// The over-limit cache: a fixed-window, non-shadow descriptor that Redis denied with
// remaining == 0 is answered OVER_LIMIT locally for at most kOverLimitCacheMax (1 s), and
// never past its window's end (local steady clock + the reset time Redis gave). This never
// admits anything Redis would refuse; it may refuse for up to 1 s what Redis would admit
// again after tokens were credited back (ReturnLease) or a raised limit was loaded (the
// cache is also cleared when rules are replaced).
//
// Metrics (labels: domain and rule id, both from configuration, never from the request):
// decisions_total{result = ok | over_limit | shadow_over_limit | degraded_allowed |
// degraded_denied}, over_limit_cache_hits_total, near_limit_total (admitted with at least
// 80% of the limit — of the burst for GCRA — used), redis_errors_total{domain,mode},
// redis_breaker_open (gauge), redis_breaker_trips_total,
// redis_breaker_short_circuits_total{domain,mode}, decision_duration_seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "batcher.hpp"
#include "bw/counters/counters.hpp"
#include "bw/metrics/metrics.hpp"
#include "bw/redis/pool.hpp"
#include "bw/result.hpp"
#include "core/circuit_breaker.hpp"
#include "core/over_limit_cache.hpp"
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

// The longest the over-limit cache answers for Redis about one key.
inline constexpr std::chrono::milliseconds kOverLimitCacheMax{1000};

class RatelimitAudit;

struct LimiterOptions {
  std::size_t over_limit_cache_entries = 100'000;  // 0 disables the cache
  std::shared_ptr<RatelimitAudit> audit;  // over-limit in security domains (ratelimit_audit.hpp); null: none
  BreakerPolicy breaker;
  BatcherOptions batcher;
  SteadyNow now = real_steady_clock();  // for the cache and the breaker
};

class Limiter {
 public:
  Limiter(std::shared_ptr<const RuleSet> rules, std::shared_ptr<redis::Pool> pool, metrics::Factory& metrics,
          LimiterOptions options = {});
  ~Limiter();  // stops the Batcher first: pending completions still find the Limiter whole
  Limiter(const Limiter&) = delete;
  Limiter& operator=(const Limiter&) = delete;

  using DecisionDone = std::function<void(Result<Decision>)>;
  // Decides without blocking on Redis: `done` runs exactly once, inline when no Redis trip is
  // needed (invalid request, cache, breaker, no limited descriptor), else on a Batcher
  // dispatcher thread. `done` must be quick (it runs on the Batcher's thread).
  void decide_async(const Request& request, DecisionDone done);
  // Blocking form of decide_async().
  Result<Decision> decide(const Request& request);
  // Swaps in new rules; requests already deciding finish on the rules they started with.
  // Forgets the over-limit cache (a limit may have been raised).
  void replace_rules(std::shared_ptr<const RuleSet> rules);

 private:
  struct Pending;
  struct Outcome;
  struct Call;
  void on_replies(Call& call, bool probe, Batcher::Replies replies);
  void finish(Call& call);
  static std::optional<Outcome> parse(const Match& m, const redis::Reply& reply);
  bool answer_from_cache(const Domain& domain, const Match& m, const std::string& key, std::int64_t hits,
                         DescriptorStatus& s);
  void apply(const Domain& domain, const Pending& p, const Outcome& o, Decision& d);
  void degrade(const Domain& domain, const std::vector<Pending>& pending, Decision& d);
  void count(const std::string& domain, const std::string& rule, const char* result);
  void show_breaker();

  std::shared_ptr<const RuleSet> rules() const;

  mutable std::mutex rules_mu_;
  std::shared_ptr<const RuleSet> rules_;  // guarded by rules_mu_
  counters::Counters counters_;
  Batcher batcher_;
  std::optional<OverLimitCache> cache_;
  std::shared_ptr<RatelimitAudit> audit_;
  CircuitBreaker breaker_;
  metrics::Family<prometheus::Counter> decisions_;
  metrics::Family<prometheus::Counter> cache_hits_;
  metrics::Family<prometheus::Counter> near_limit_;
  metrics::Family<prometheus::Counter> redis_errors_;
  metrics::Family<prometheus::Counter> short_circuits_;
  prometheus::Counter& breaker_trips_;
  prometheus::Gauge& breaker_open_;
  metrics::Family<prometheus::Histogram> latency_;
};

}  // namespace bw::ratelimit
