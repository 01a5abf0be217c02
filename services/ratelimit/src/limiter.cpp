// Rate-limit decisions over Redis (see limiter.hpp).
#include "limiter.hpp"

#include <chrono>

#include "bw/counters/replies.hpp"
#include "bw/log/log.hpp"
#include "bw/redis/errors.hpp"
#include "bw/redis/keys.hpp"

namespace bw::ratelimit {

struct Limiter::Pending {
  std::size_t index;  // descriptor position in the request
  Match match;
  std::string key;    // the Redis counter key, also the over-limit cache key
  std::int64_t hits;
};

// What one counter script answered, whichever the algorithm.
struct Limiter::Outcome {
  bool allowed = false;
  std::int64_t remaining = 0;
  std::int64_t reset_after_ms = 0;
};

std::optional<Limiter::Outcome> Limiter::parse(const Match& m, const redis::Reply& reply) {
  if (m.limit.algorithm == Algorithm::kGcra) {
    auto g = counters::parse_gcra_decision(reply);
    if (!g) return std::nullopt;
    return Outcome{g->allowed, g->remaining, g->allowed ? g->reset_after_ms : g->retry_after_ms};
  }
  auto w = counters::parse_window_decision(reply);
  if (!w) return std::nullopt;
  return Outcome{w->allowed, w->remaining, w->reset_after_ms};
}

namespace {

// Admitted with at least 80% of the limit (the burst for GCRA) used.
bool near_limit(const RateLimit& limit, std::int64_t remaining) {
  const std::int64_t size = limit.algorithm == Algorithm::kGcra ? limit.burst : limit.requests_per_unit;
  return (size - remaining) * 5 >= size * 4;
}

}  // namespace

Limiter::Limiter(std::shared_ptr<const RuleSet> rules, std::shared_ptr<redis::Pool> pool, metrics::Factory& metrics,
                 LimiterOptions options)
    : rules_(std::move(rules)),
      batcher_(std::move(pool), counters_, options.batcher),
      breaker_(options.breaker, options.now),
      decisions_(metrics.counter("decisions", "Descriptor decisions, by domain, rule and result")),
      cache_hits_(metrics.counter("over_limit_cache_hits", "Descriptors answered OVER_LIMIT by the local cache")),
      near_limit_(metrics.counter("near_limit", "Descriptors admitted with at least 80% of their limit used")),
      redis_errors_(metrics.counter("redis_errors", "Requests decided by the failure mode because Redis failed")),
      short_circuits_(metrics.counter("redis_breaker_short_circuits",
                                      "Requests decided by the failure mode without asking Redis (breaker open)")),
      breaker_trips_(metrics.counter("redis_breaker_trips", "Times the Redis circuit breaker opened").add({})),
      breaker_open_(metrics.gauge("redis_breaker_open", "1 while the Redis circuit breaker is open or half-open").add({})),
      latency_(metrics.histogram("decision_duration_seconds", "Time to decide one request")) {
  if (options.over_limit_cache_entries > 0) cache_.emplace(options.over_limit_cache_entries, options.now);
}

void Limiter::count(const std::string& domain, const std::string& rule, const char* result) {
  decisions_.add({{"domain", domain}, {"rule", rule}, {"result", result}}).Increment();
}

void Limiter::degrade(const Domain& domain, const std::vector<Pending>& pending, Decision& d) {
  d.degraded = true;
  const bool closed = domain.failure_mode == FailureMode::kClosed;
  for (const auto& p : pending) {
    auto& s = d.statuses[p.index];
    s.limit = p.match.limit;
    s.over_limit = closed;
    s.remaining = 0;
    s.reset_after_ms = 0;
    d.over_limit = d.over_limit || closed;
    count(domain.name, p.match.rule_id, closed ? "degraded_denied" : "degraded_allowed");
  }
}

void Limiter::replace_rules(std::shared_ptr<const RuleSet> rules) {
  {
    std::lock_guard lock(rules_mu_);
    rules_ = std::move(rules);
  }
  if (cache_) cache_->clear();
}

std::shared_ptr<const RuleSet> Limiter::rules() const {
  std::lock_guard lock(rules_mu_);
  return rules_;
}

void Limiter::show_breaker() {
  breaker_open_.Set(breaker_.state() == CircuitBreaker::State::kClosed ? 0 : 1);
}

void Limiter::ask_redis(const Domain& domain, const std::vector<Pending>& pending,
                        const std::vector<counters::Command>& commands, Decision& d) {
  const char* mode = domain.failure_mode == FailureMode::kClosed ? "closed" : "open";
  const auto admission = breaker_.admit();
  if (admission == CircuitBreaker::Admission::kReject) {
    short_circuits_.add({{"domain", domain.name}, {"mode", mode}}).Increment();
    return degrade(domain, pending, d);
  }
  auto replies = batcher_.run(commands);
  if (!replies) {
    // A full queue is our overload, not a Redis outage, unless this was the probe.
    if (admission == CircuitBreaker::Admission::kProbe || !redis::has_code(replies.error(), redis::Errc::kPoolExhausted)) {
      if (breaker_.on_failure()) {
        breaker_trips_.Increment();
        log::warn("redis unreachable: deciding by each domain's failure mode", {{"reason", replies.error().message}});
      }
    }
    show_breaker();
    redis_errors_.add({{"domain", domain.name}, {"mode", mode}}).Increment();
    return degrade(domain, pending, d);
  }
  if (breaker_.on_success()) log::info("redis reachable again: deciding by the counters");
  show_breaker();
  std::vector<Outcome> outcomes;
  for (std::size_t k = 0; k < pending.size(); ++k) {
    auto o = parse(pending[k].match, replies.value()[k]);
    if (!o) {
      redis_errors_.add({{"domain", domain.name}, {"mode", mode}}).Increment();
      return degrade(domain, pending, d);
    }
    outcomes.push_back(*o);
  }
  for (std::size_t k = 0; k < pending.size(); ++k) apply(domain, pending[k], outcomes[k], d);
}

void Limiter::apply(const Domain& domain, const Pending& p, const Outcome& o, Decision& d) {
  auto& s = d.statuses[p.index];
  s.limit = p.match.limit;
  s.remaining = static_cast<std::uint64_t>(o.remaining);
  s.reset_after_ms = o.reset_after_ms;
  const bool shadow = p.match.shadow_mode && !o.allowed;
  s.over_limit = !o.allowed && !p.match.shadow_mode;
  d.over_limit = d.over_limit || s.over_limit;
  count(domain.name, p.match.rule_id, o.allowed ? "ok" : shadow ? "shadow_over_limit" : "over_limit");
  if (o.allowed && near_limit(p.match.limit, o.remaining))
    near_limit_.add({{"domain", domain.name}, {"rule", p.match.rule_id}}).Increment();
  const bool window_full = s.over_limit && o.remaining == 0 && p.match.limit.algorithm == Algorithm::kFixedWindow;
  if (window_full && cache_) cache_->insert(p.key, std::chrono::milliseconds(o.reset_after_ms));
}

bool Limiter::answer_from_cache(const Domain& domain, const Match& m, const std::string& key, std::int64_t hits,
                                DescriptorStatus& s) {
  if (!cache_ || m.shadow_mode || hits == 0 || m.limit.algorithm != Algorithm::kFixedWindow) return false;
  auto left = cache_->remaining(key);
  if (!left) return false;
  s.limit = m.limit;
  s.over_limit = true;
  s.remaining = 0;
  s.reset_after_ms = left->count();
  cache_hits_.add({{"domain", domain.name}, {"rule", m.rule_id}}).Increment();
  count(domain.name, m.rule_id, "over_limit");
  return true;
}

Result<Decision> Limiter::decide(const Request& request) {
  const auto started = std::chrono::steady_clock::now();
  if (auto st = validate(request); !st) return st.error();
  const auto rules_now = rules();  // this request decides on one consistent rule set
  const Domain* domain = rules_now->domain(request.domain);
  if (!domain) return Error{static_cast<int>(RequestError::kInvalidArgument), "invalid request: unknown domain"};

  Decision d;
  d.statuses.resize(request.descriptors.size());
  std::vector<Pending> pending;
  std::vector<counters::Command> commands;
  for (std::size_t i = 0; i < request.descriptors.size(); ++i) {
    auto m = match(*domain, request.descriptors[i].entries);
    if (!m) continue;
    const auto h = static_cast<std::int64_t>(hits(request, request.descriptors[i]));
    const std::int64_t unit = unit_seconds(m->limit.unit);
    const bool gcra = m->limit.algorithm == Algorithm::kGcra;
    auto key = redis::tagged_key("rl", counter_id(domain->name, *m), gcra ? "g" : "w");
    if (key && answer_from_cache(*domain, *m, *key, h, d.statuses[i])) {
      d.over_limit = true;
      continue;
    }
    auto cmd = !key ? Result<counters::Command>(key.error())
               : gcra ? counters_.gcra_command(*key, {m->limit.requests_per_unit, unit * 1000, m->limit.burst}, h)
                      : counters_.fixed_window_command(*key, {m->limit.requests_per_unit, unit, false}, h);
    if (!cmd) return Error{static_cast<int>(RequestError::kInvalidArgument), "invalid request: " + cmd.error().message};
    commands.push_back(std::move(cmd.value()));
    pending.push_back({i, std::move(*m), std::move(key.value()), h});
  }
  if (!commands.empty()) ask_redis(*domain, pending, commands, d);
  latency_.add({}, metrics::Factory::latency_buckets())
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return d;
}

}  // namespace bw::ratelimit
