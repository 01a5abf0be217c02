// Rate-limit decisions over Redis (see limiter.hpp).
#include "limiter.hpp"

#include "ratelimit_audit.hpp"

#include <chrono>
#include <future>

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
  audit_ = options.audit;
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

// One request in flight: what decide_async() prepared, and where the answer goes.
struct Limiter::Call {
  std::shared_ptr<const RuleSet> rules;  // keeps `domain` alive until the answer
  const Domain* domain = nullptr;
  std::vector<Pending> pending;
  Decision decision;
  DecisionDone done;
  std::chrono::steady_clock::time_point started;
};

void Limiter::on_replies(Call& call, bool probe, Batcher::Replies replies) {
  const Domain& domain = *call.domain;
  const char* mode = domain.failure_mode == FailureMode::kClosed ? "closed" : "open";
  if (!replies) {
    // A full queue is our overload, not a Redis outage, unless this was the probe.
    if (probe || !redis::has_code(replies.error(), redis::Errc::kPoolExhausted)) {
      if (breaker_.on_failure()) {
        breaker_trips_.Increment();
        log::warn("redis unreachable: deciding by each domain's failure mode", {{"reason", replies.error().message}});
      }
    }
    show_breaker();
    redis_errors_.add({{"domain", domain.name}, {"mode", mode}}).Increment();
    return degrade(domain, call.pending, call.decision);
  }
  if (breaker_.on_success()) log::info("redis reachable again: deciding by the counters");
  show_breaker();
  std::vector<Outcome> outcomes;
  for (std::size_t k = 0; k < call.pending.size(); ++k) {
    auto o = parse(call.pending[k].match, replies.value()[k]);
    if (!o) {
      redis_errors_.add({{"domain", domain.name}, {"mode", mode}}).Increment();
      return degrade(domain, call.pending, call.decision);
    }
    outcomes.push_back(*o);
  }
  for (std::size_t k = 0; k < call.pending.size(); ++k) apply(domain, call.pending[k], outcomes[k], call.decision);
}

void Limiter::finish(Call& call) {
  latency_.add({}, metrics::Factory::latency_buckets())
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - call.started).count());
  call.done(std::move(call.decision));
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
  if (s.over_limit && audit_) {
    audit_->over_limit(domain.name, p.match.rule_id, p.key, std::chrono::milliseconds(o.reset_after_ms));
  }
  if (o.allowed && near_limit(p.match.limit, o.remaining))
    near_limit_.add({{"domain", domain.name}, {"rule", p.match.rule_id}}).Increment();
  const bool window_full = s.over_limit && o.remaining == 0 && p.match.limit.algorithm == Algorithm::kFixedWindow;
  if (window_full && cache_) {
    cache_->insert(p.key, std::min(std::chrono::milliseconds(o.reset_after_ms), kOverLimitCacheMax));
  }
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

Limiter::~Limiter() { batcher_.stop(); }

void Limiter::decide_async(const Request& request, DecisionDone done) {
  auto call = std::make_shared<Call>();
  call->started = std::chrono::steady_clock::now();
  if (auto st = validate(request); !st) return done(st.error());
  call->rules = rules();  // this request decides on one consistent rule set
  call->domain = call->rules->domain(request.domain);
  if (!call->domain) return done(Error{static_cast<int>(RequestError::kInvalidArgument), "invalid request: unknown domain"});
  const Domain& domain = *call->domain;

  Decision& d = call->decision;
  d.statuses.resize(request.descriptors.size());
  std::vector<counters::Command> commands;
  for (std::size_t i = 0; i < request.descriptors.size(); ++i) {
    auto m = match(domain, request.descriptors[i].entries);
    if (!m) continue;
    const auto h = static_cast<std::int64_t>(hits(request, request.descriptors[i]));
    const std::int64_t unit = unit_seconds(m->limit.unit);
    const bool gcra = m->limit.algorithm == Algorithm::kGcra;
    auto key = redis::tagged_key("rl", counter_id(domain.name, *m), gcra ? "g" : "w");
    if (key && answer_from_cache(domain, *m, *key, h, d.statuses[i])) {
      d.over_limit = true;
      continue;
    }
    auto cmd = !key ? Result<counters::Command>(key.error())
               : gcra ? counters_.gcra_command(*key, {m->limit.requests_per_unit, unit * 1000, m->limit.burst}, h)
                      : counters_.fixed_window_command(*key, {m->limit.requests_per_unit, unit, false}, h);
    if (!cmd) return done(Error{static_cast<int>(RequestError::kInvalidArgument), "invalid request: " + cmd.error().message});
    commands.push_back(std::move(cmd.value()));
    call->pending.push_back({i, std::move(*m), std::move(key.value()), h});
  }
  call->done = std::move(done);
  if (commands.empty()) return finish(*call);

  const auto admission = breaker_.admit();
  if (admission == CircuitBreaker::Admission::kReject) {
    const char* mode = domain.failure_mode == FailureMode::kClosed ? "closed" : "open";
    short_circuits_.add({{"domain", domain.name}, {"mode", mode}}).Increment();
    degrade(domain, call->pending, d);
    return finish(*call);
  }
  const bool probe = admission == CircuitBreaker::Admission::kProbe;
  batcher_.submit(std::move(commands), [this, call, probe](Batcher::Replies replies) {
    on_replies(*call, probe, std::move(replies));
    finish(*call);
  });
}

Result<Decision> Limiter::decide(const Request& request) {
  auto promise = std::make_shared<std::promise<Result<Decision>>>();
  auto future = promise->get_future();
  decide_async(request, [promise](Result<Decision> d) { promise->set_value(std::move(d)); });
  return future.get();
}

}  // namespace bw::ratelimit
