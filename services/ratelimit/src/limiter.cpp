// Rate-limit decisions over Redis (see limiter.hpp).
#include "limiter.hpp"

#include <chrono>

#include "bw/counters/replies.hpp"
#include "bw/redis/keys.hpp"

namespace bw::ratelimit {

struct Limiter::Pending {
  std::size_t index;  // descriptor position in the request
  Match match;
};

Limiter::Limiter(std::shared_ptr<const RuleSet> rules, std::shared_ptr<redis::Pool> pool, metrics::Factory& metrics)
    : rules_(std::move(rules)),
      pool_(std::move(pool)),
      decisions_(metrics.counter("decisions", "Descriptor decisions, by domain, rule and result")),
      redis_errors_(metrics.counter("redis_errors", "Requests decided by the failure mode because Redis failed")),
      latency_(metrics.histogram("decision_duration_seconds", "Time to decide one request")) {}

void Limiter::count(const std::string& domain, const std::string& rule, const char* result) {
  decisions_.add({{"domain", domain}, {"rule", rule}, {"result", result}}).Increment();
}

Decision Limiter::degrade(const Domain& domain, const std::vector<Pending>& pending, std::size_t count_all) {
  Decision d;
  d.degraded = true;
  d.statuses.resize(count_all);
  const bool closed = domain.failure_mode == FailureMode::kClosed;
  redis_errors_.add({{"domain", domain.name}, {"mode", closed ? "closed" : "open"}}).Increment();
  for (const auto& p : pending) {
    auto& s = d.statuses[p.index];
    s.limit = p.match.limit;
    s.over_limit = closed;
    d.over_limit = d.over_limit || closed;
    count(domain.name, p.match.rule_id, closed ? "degraded_denied" : "degraded_allowed");
  }
  return d;
}

void Limiter::replace_rules(std::shared_ptr<const RuleSet> rules) {
  std::lock_guard lock(rules_mu_);
  rules_ = std::move(rules);
}

std::shared_ptr<const RuleSet> Limiter::rules() const {
  std::lock_guard lock(rules_mu_);
  return rules_;
}

Result<Decision> Limiter::decide(const Request& request) {
  const auto started = std::chrono::steady_clock::now();
  if (auto st = validate(request); !st) return st.error();
  const auto rules_now = rules();  // this request decides on one consistent rule set
  const Domain* domain = rules_now->domain(request.domain);
  if (!domain) return Error{static_cast<int>(RequestError::kInvalidArgument), "invalid request: unknown domain"};

  std::vector<Pending> pending;
  std::vector<counters::Command> commands;
  for (std::size_t i = 0; i < request.descriptors.size(); ++i) {
    auto m = match(*domain, request.descriptors[i].entries);
    if (!m) continue;
    const auto id = counter_id(domain->name, *m);
    const auto h = static_cast<std::int64_t>(hits(request, request.descriptors[i]));
    const std::int64_t unit = unit_seconds(m->limit.unit);
    const bool gcra = m->limit.algorithm == Algorithm::kGcra;
    auto key = redis::tagged_key("rl", id, gcra ? "g" : "w");
    auto cmd = !key ? Result<counters::Command>(key.error())
               : gcra ? counters_.gcra_command(*key, {m->limit.requests_per_unit, unit * 1000, m->limit.burst}, h)
                      : counters_.fixed_window_command(*key, {m->limit.requests_per_unit, unit, false}, h);
    if (!cmd) return Error{static_cast<int>(RequestError::kInvalidArgument), "invalid request: " + cmd.error().message};
    commands.push_back(std::move(cmd.value()));
    pending.push_back({i, std::move(*m)});
  }

  Decision d;
  d.statuses.resize(request.descriptors.size());
  if (!commands.empty()) {
    auto lease = pool_->checkout(std::chrono::milliseconds(500));
    auto replies = lease ? counters_.pipeline(*lease.value(), commands) : Result<std::vector<redis::Reply>>(lease.error());
    if (!replies || replies->size() != commands.size()) return degrade(*domain, pending, request.descriptors.size());
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const auto& p = pending[k];
      auto& s = d.statuses[p.index];
      s.limit = p.match.limit;
      bool allowed = false;
      if (p.match.limit.algorithm == Algorithm::kGcra) {
        auto g = counters::parse_gcra_decision(replies.value()[k]);
        if (!g) return degrade(*domain, pending, request.descriptors.size());
        allowed = g->allowed;
        s.remaining = static_cast<std::uint64_t>(g->remaining);
        s.reset_after_ms = g->allowed ? g->reset_after_ms : g->retry_after_ms;
      } else {
        auto w = counters::parse_window_decision(replies.value()[k]);
        if (!w) return degrade(*domain, pending, request.descriptors.size());
        allowed = w->allowed;
        s.remaining = static_cast<std::uint64_t>(w->remaining);
        s.reset_after_ms = w->reset_after_ms;
      }
      const bool shadow = p.match.shadow_mode && !allowed;
      s.over_limit = !allowed && !p.match.shadow_mode;
      d.over_limit = d.over_limit || s.over_limit;
      count(domain->name, p.match.rule_id, allowed ? "ok" : shadow ? "shadow_over_limit" : "over_limit");
    }
  }
  latency_.add({}, metrics::Factory::latency_buckets())
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return d;
}

}  // namespace bw::ratelimit
