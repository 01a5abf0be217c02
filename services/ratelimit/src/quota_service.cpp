// The Quota gRPC service (see quota_service.hpp).
#include "quota_service.hpp"

#include "ratelimit_audit.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <vector>

#include "bw/counters/replies.hpp"
#include "bw/crypto/random.hpp"
#include "bw/log/log.hpp"
#include "bw/redis/errors.hpp"
#include "core/request.hpp"

namespace bw::ratelimit {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kCheckoutWait{500};
constexpr std::int64_t kClosedRetryMs = 1000;  // retry_after of a lease refused for Redis trouble
constexpr int kMaxLeasesPerCall = 64;          // AcquireLeases, ReturnLeases

grpc::Status invalid(const Error& e) { return {grpc::StatusCode::INVALID_ARGUMENT, e.message}; }
grpc::Status unavailable(const char* what) {
  return {grpc::StatusCode::UNAVAILABLE, std::string("rate-limit store unavailable: ") + what};
}

void set_duration(google::protobuf::Duration* d, std::int64_t ms) {
  ms = std::max<std::int64_t>(ms, 0);
  d->set_seconds(ms / 1000);
  d->set_nanos(static_cast<std::int32_t>((ms % 1000) * 1'000'000));
}

void set_validity(v1::AcquireLeaseResponse* res, std::int64_t in_ms) {
  set_duration(res->mutable_valid_for(), in_ms);
  auto* t = res->mutable_valid_until();
  const auto at = std::chrono::system_clock::now() + milliseconds(in_ms);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  t->set_seconds(us / 1'000'000);
  t->set_nanos(static_cast<std::int32_t>((us % 1'000'000) * 1000));
}

// A call's commands in one pipeline. A server error reply to any of them (READONLY after a
// failover, OOM, LOADING: trouble of Redis, not of one key) fails the whole step, so that
// the breaker counts it as it counted each single call's, and every item is answered as
// Redis trouble.
Result<std::vector<redis::Reply>> run_pipeline(const counters::Counters& counters, redis::Connection& conn,
                                               const std::vector<counters::Command>& commands) {
  auto replies = counters.pipeline(conn, commands);
  if (!replies) return replies;
  for (const auto& reply : *replies) {
    if (reply.is_error()) return redis::error_reply_to_result(reply).error();
  }
  return replies;
}

// Reply k of a pipeline, decoded by parse; the pipeline's error if it failed.
template <class T, class Parse>
Result<T> reply_at(const Result<std::vector<redis::Reply>>& replies, std::size_t k, Parse parse) {
  if (!replies) return replies.error();
  if (k >= replies->size()) return redis::make_error(redis::Errc::kProtocol, "short pipeline reply");
  return parse((*replies)[k]);
}

std::uint32_t clamp32(std::int64_t v) { return static_cast<std::uint32_t>(std::clamp<std::int64_t>(v, 0, UINT32_MAX)); }

envoy::service::ratelimit::v3::RateLimitResponse::RateLimit::Unit to_unit(Unit unit) {
  using R = envoy::service::ratelimit::v3::RateLimitResponse::RateLimit;
  switch (unit) {
    case Unit::kSecond: return R::SECOND;
    case Unit::kMinute: return R::MINUTE;
    case Unit::kHour: return R::HOUR;
    case Unit::kDay: return R::DAY;
  }
  return R::UNKNOWN;
}

// A scope name for metric labels: a closed set, so callers cannot grow cardinality.
std::string scope_label(std::string_view scope) {
  static constexpr std::array<std::string_view, 6> kKnown{"totp", "recovery", "pairing", "pair_attempt", "nonce",
                                                          "invitation"};
  return std::find(kKnown.begin(), kKnown.end(), scope) != kKnown.end() ? std::string(scope) : "other";
}

// The descriptor of a lease call as one validated Request, and its matched rule.
struct LeaseTarget {
  const Domain* domain = nullptr;
  std::optional<Match> match;
};

Result<LeaseTarget> lease_target(const RuleSet& rules, const std::string& domain,
                                 const envoy::extensions::common::ratelimit::v3::RateLimitDescriptor& d) {
  Request r;
  r.domain = domain;
  RequestDescriptor rd;
  for (const auto& e : d.entries()) rd.entries.push_back(Entry{e.key(), e.value()});
  r.descriptors.push_back(std::move(rd));
  if (auto st = validate(r); !st) return st.error();
  LeaseTarget t;
  t.domain = rules.domain(domain);
  if (!t.domain) return Error{static_cast<int>(RequestError::kInvalidArgument), "invalid request: unknown domain"};
  t.match = match(*t.domain, r.descriptors.front().entries);
  return t;
}

bool fails_closed(const Domain& domain, const Match& m) {
  return domain.failure_mode == FailureMode::kClosed || m.failure_mode == FailureMode::kClosed;
}

counters::FixedWindowLimit window_limit(const RateLimit& l) {
  return {static_cast<std::int64_t>(l.requests_per_unit), unit_seconds(l.unit), false};
}
counters::GcraLimit gcra_limit(const RateLimit& l) {
  return {static_cast<std::int64_t>(l.requests_per_unit), unit_seconds(l.unit) * 1000, static_cast<std::int64_t>(l.burst)};
}

Result<SubjectKind> subject_kind(const v1::LockoutSubject& s) {
  switch (s.kind()) {
    case v1::LockoutSubject::ACCOUNT: return SubjectKind::kAccount;
    case v1::LockoutSubject::ADDRESS: return SubjectKind::kAddress;
    default: return Error{static_cast<int>(RequestError::kInvalidArgument), "invalid request: subject.kind is not set"};
  }
}

}  // namespace

QuotaService::QuotaService(std::shared_ptr<const RuleSet> rules, std::shared_ptr<redis::Pool> pool,
                           QuotaOptions options, metrics::Factory& metrics)
    : rules_(std::move(rules)),
      pool_(std::move(pool)),
      options_(options),
      leases_(metrics.counter("lease_decisions", "Lease requests, by domain, rule and result")),
      lease_tokens_(metrics.counter("lease_tokens", "Lease tokens granted and credited back, by domain and rule")),
      once_(metrics.counter("one_time_checks", "CheckAndRecord answers, by scope and result")),
      lockouts_(metrics.counter("lockout_calls", "Lockout calls, by subject kind, operation and result")),
      redis_errors_(metrics.counter("quota_redis_errors", "Quota calls that could not reach Redis, by operation")),
      short_circuits_(metrics.counter("quota_redis_short_circuits",
                                      "Quota calls answered without trying Redis (breaker open)").add({})) {}

void QuotaService::replace_rules(std::shared_ptr<const RuleSet> rules) {
  std::lock_guard lock(rules_mu_);
  rules_ = std::move(rules);
}

std::shared_ptr<const RuleSet> QuotaService::rules() const {
  std::lock_guard lock(rules_mu_);
  return rules_;
}

template <class T, class Call>
Result<T> QuotaService::with_redis(Call&& call) {
  const auto admission = breaker_.admit();
  if (admission == CircuitBreaker::Admission::kReject) {
    short_circuits_.Increment();
    return redis::make_error(redis::Errc::kConnect, "redis unreachable (breaker open)");
  }
  auto conn = pool_->checkout(kCheckoutWait);
  Result<T> r = conn ? call(**conn) : Result<T>(conn.error());
  if (r) {
    if (breaker_.on_success()) log::info("quota: redis reachable again");
  } else if (!redis::has_code(r.error(), redis::Errc::kInvalidArgument) &&
             (admission == CircuitBreaker::Admission::kProbe || !redis::has_code(r.error(), redis::Errc::kPoolExhausted))) {
    // A busy pool is our overload, not an outage (unless this was the probe).
    if (breaker_.on_failure()) log::warn("quota: redis unreachable; answering without it", {{"reason", r.error().message}});
  }
  return r;
}

grpc::Status QuotaService::AcquireLease(grpc::ServerContext*, const v1::AcquireLeaseRequest* req,
                                        v1::AcquireLeaseResponse* res) {
  return acquire(*rules(), *req, res);
}

grpc::Status QuotaService::AcquireLeases(grpc::ServerContext* ctx, const v1::AcquireLeasesRequest* req,
                                         v1::AcquireLeasesResponse* res) {
  if (req->leases_size() < 1 || req->leases_size() > kMaxLeasesPerCall) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "invalid request: 1 to 64 leases per call"};
  }
  // A caller that gave up (its deadline passed while it waited) gets nothing counted.
  if (ctx->IsCancelled()) return {grpc::StatusCode::CANCELLED, "the caller went away"};
  std::vector<const v1::AcquireLeaseRequest*> asked;
  std::vector<v1::AcquireLeaseResponse*> answers;
  for (const auto& one : req->leases()) {
    asked.push_back(&one);
    answers.push_back(res->add_leases()->mutable_lease());
  }
  // One rule set and one Redis round trip for the whole call. An item fails only when it is
  // invalid: Redis trouble is an answer (degraded).
  const auto statuses = acquire_all(*rules(), asked, answers);
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    if (statuses[i].ok()) continue;
    auto* item = res->mutable_leases(static_cast<int>(i));
    item->clear_lease();
    item->set_error(statuses[i].error_message());
  }
  return grpc::Status::OK;
}

grpc::Status QuotaService::acquire(const RuleSet& rules_now, const v1::AcquireLeaseRequest& req,
                                   v1::AcquireLeaseResponse* res) {
  return acquire_all(rules_now, {&req}, {res}).front();
}

// A lease request that a rule limits, checked, on its way to its Redis step.
struct QuotaService::LeaseStep {
  const Domain* domain = nullptr;
  std::optional<Match> match;
  std::int64_t cap = 0;
  std::string lease_id;
};

std::vector<grpc::Status> QuotaService::acquire_all(const RuleSet& rules_now,
                                                    const std::vector<const v1::AcquireLeaseRequest*>& reqs,
                                                    const std::vector<v1::AcquireLeaseResponse*>& out) {
  std::vector<grpc::Status> status(reqs.size());
  std::vector<LeaseStep> steps(reqs.size());
  std::vector<counters::Command> commands;
  std::vector<std::size_t> counted;  // commands[k] takes reqs[counted[k]]'s lease
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const v1::AcquireLeaseRequest& req = *reqs[i];
    v1::AcquireLeaseResponse* res = out[i];
    if (req.requested() == 0) {
      status[i] = {grpc::StatusCode::INVALID_ARGUMENT, "invalid request: requested must be at least 1"};
      continue;
    }
    auto target = lease_target(rules_now, req.domain(), req.rate_limit_descriptor());
    if (!target) {
      status[i] = invalid(target.error());
      continue;
    }
    if (!target->match) {  // no rule limits this descriptor: nothing to count or return
      leases_.add({{"domain", target->domain->name}, {"rule", "none"}, {"result", "unlimited"}}).Increment();
      res->set_granted(req.requested());
      set_validity(res, options_.lease.ttl_ms);
      continue;
    }
    LeaseStep& step = steps[i];
    step.domain = target->domain;
    step.match = std::move(target->match);
    const Match& m = *step.match;
    step.cap = lease_cap(m.limit, req.requested(), options_.lease);
    auto* limit = res->mutable_current_limit();
    limit->set_requests_per_unit(m.limit.requests_per_unit);
    limit->set_unit(to_unit(m.limit.unit));
    step.lease_id = to_string(crypto::random(kLeaseIdBytes));
    auto key = counter_key(step.domain->name, m);
    auto record = lease_record_key(step.domain->name, m, step.lease_id);
    if (!key || !record) {
      status[i] = invalid(!key ? key.error() : record.error());
      continue;
    }
    auto command = m.limit.algorithm == Algorithm::kGcra
                       ? counters_.take_lease_command(*key, *record, gcra_limit(m.limit), step.cap, options_.lease.ttl_ms)
                       : counters_.take_lease_command(*key, *record, window_limit(m.limit), step.cap, options_.lease.ttl_ms);
    if (!command) {
      answer_lease(step, command.error(), res);
      continue;
    }
    commands.push_back(std::move(command).value());
    counted.push_back(i);
  }
  if (commands.empty()) return status;
  auto replies = with_redis<std::vector<redis::Reply>>(
      [&](redis::Connection& conn) { return run_pipeline(counters_, conn, commands); });
  for (std::size_t k = 0; k < counted.size(); ++k) {
    const std::size_t i = counted[k];
    answer_lease(steps[i], reply_at<counters::LeaseGrant>(replies, k, counters::parse_lease_grant), out[i]);
  }
  return status;
}

// The answer to a counted lease request, from its Redis step's outcome.
void QuotaService::answer_lease(const LeaseStep& step, const Result<counters::LeaseGrant>& grant,
                                v1::AcquireLeaseResponse* res) {
  const Domain& domain = *step.domain;
  const Match& m = *step.match;
  const auto count = [&](const char* result) {
    leases_.add({{"domain", domain.name}, {"rule", m.rule_id}, {"result", result}}).Increment();
  };
  const std::int64_t cap = step.cap;
  if (!grant) {
    redis_errors_.add({{"operation", "acquire_lease"}}).Increment();
    if (fails_closed(domain, m)) {  // shadow rules too: a closed domain never hands out uncounted tokens
      count("degraded_denied");
      set_duration(res->mutable_retry_after(), kClosedRetryMs);
      return;
    }
    count("degraded_allowed");
    res->set_granted(clamp32(cap));
    set_validity(res, options_.lease.ttl_ms);
    return;
  }
  const auto& g = grant.value();
  res->set_limit_remaining(clamp32(g.remaining));
  if (g.granted > 0) {
    res->set_lease_id(step.lease_id);
    set_validity(res, g.valid_ms);
    lease_tokens_.add({{"domain", domain.name}, {"rule", m.rule_id}, {"direction", "granted"}})
        .Increment(static_cast<double>(g.granted));
  }
  if (g.granted < cap && m.shadow_mode) {  // shadow: would have been limited; grant anyway
    count("shadow_over_limit");
    res->set_granted(clamp32(cap));
    if (g.granted == 0) set_validity(res, options_.lease.ttl_ms);
    return;
  }
  res->set_granted(clamp32(g.granted));
  if (g.granted == 0) {
    count("exhausted");
    set_duration(res->mutable_retry_after(), std::max<std::int64_t>(g.after_ms, 1));
  } else {
    count(g.granted < cap ? "partial" : "granted");
  }
}

grpc::Status QuotaService::ReturnLease(grpc::ServerContext*, const v1::ReturnLeaseRequest* req,
                                       v1::ReturnLeaseResponse* res) {
  return give_back(*rules(), *req, res);
}

grpc::Status QuotaService::ReturnLeases(grpc::ServerContext* ctx, const v1::ReturnLeasesRequest* req,
                                        v1::ReturnLeasesResponse* res) {
  if (req->leases_size() < 1 || req->leases_size() > kMaxLeasesPerCall) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "invalid request: 1 to 64 leases per call"};
  }
  if (ctx->IsCancelled()) return {grpc::StatusCode::CANCELLED, "the caller went away"};
  std::vector<const v1::ReturnLeaseRequest*> returned;
  std::vector<v1::ReturnLeaseResponse> singles(static_cast<std::size_t>(req->leases_size()));
  std::vector<v1::ReturnLeaseResponse*> answers;
  for (const auto& one : req->leases()) returned.push_back(&one);
  for (auto& single : singles) answers.push_back(&single);
  const auto statuses = give_back_all(*rules(), returned, answers);  // one Redis round trip
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    auto* item = res->add_leases();
    item->set_credited(singles[i].credited());
    if (!statuses[i].ok()) {
      item->set_error(statuses[i].error_message());
      item->set_unavailable(statuses[i].error_code() == grpc::StatusCode::UNAVAILABLE);
    }
  }
  return grpc::Status::OK;
}

grpc::Status QuotaService::give_back(const RuleSet& rules_now, const v1::ReturnLeaseRequest& req,
                                     v1::ReturnLeaseResponse* res) {
  return give_back_all(rules_now, {&req}, {res}).front();
}

std::vector<grpc::Status> QuotaService::give_back_all(const RuleSet& rules_now,
                                                      const std::vector<const v1::ReturnLeaseRequest*>& reqs,
                                                      const std::vector<v1::ReturnLeaseResponse*>& out) {
  std::vector<grpc::Status> status(reqs.size());
  std::vector<counters::Command> commands;
  std::vector<std::pair<std::size_t, LeaseTarget>> counted;  // commands[k] returns reqs[counted[k].first]'s lease
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    const v1::ReturnLeaseRequest& req = *reqs[i];
    if (auto st = validate_lease_id(req.lease_id()); !st) {
      status[i] = invalid(st.error());
      continue;
    }
    if (req.unspent() > counters::kMaxHits) {
      status[i] = {grpc::StatusCode::INVALID_ARGUMENT, "invalid request: unspent is too large"};
      continue;
    }
    auto target = lease_target(rules_now, req.domain(), req.rate_limit_descriptor());
    if (!target) {
      status[i] = invalid(target.error());
      continue;
    }
    if (!target->match || req.unspent() == 0) continue;  // nothing to credit
    const Match& m = *target->match;
    auto key = counter_key(target->domain->name, m);
    auto record = lease_record_key(target->domain->name, m, req.lease_id());
    if (!key || !record) {
      status[i] = invalid(!key ? key.error() : record.error());
      continue;
    }
    const std::int64_t unspent = req.unspent();
    auto command = m.limit.algorithm == Algorithm::kGcra
                       ? counters_.return_lease_command(*key, *record, gcra_limit(m.limit), unspent)
                       : counters_.return_lease_command(*key, *record, window_limit(m.limit), unspent);
    if (!command) {
      redis_errors_.add({{"operation", "return_lease"}}).Increment();
      status[i] = unavailable("lease not returned");
      continue;
    }
    commands.push_back(std::move(command).value());
    counted.emplace_back(i, std::move(target).value());
  }
  if (commands.empty()) return status;
  auto replies = with_redis<std::vector<redis::Reply>>(
      [&](redis::Connection& conn) { return run_pipeline(counters_, conn, commands); });
  for (std::size_t k = 0; k < counted.size(); ++k) {
    const auto& [i, target] = counted[k];
    const auto credited = reply_at<std::int64_t>(replies, k, counters::parse_lease_credit);
    if (!credited) {
      redis_errors_.add({{"operation", "return_lease"}}).Increment();
      status[i] = unavailable("lease not returned");
      continue;
    }
    out[i]->set_credited(clamp32(*credited));
    lease_tokens_.add({{"domain", target.domain->name}, {"rule", target.match->rule_id}, {"direction", "returned"}})
        .Increment(static_cast<double>(*credited));
  }
  return status;
}

grpc::Status QuotaService::CheckAndRecord(grpc::ServerContext*, const v1::CheckAndRecordRequest* req,
                                          v1::CheckAndRecordResponse* res) {
  const auto& ttl = req->ttl();
  if (ttl.seconds() < 0 || ttl.nanos() < 0 || ttl.seconds() > kMaxOnceTtlMs / 1000) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "invalid request: ttl is out of range"};
  }
  const std::int64_t ttl_ms = ttl.seconds() * 1000 + ttl.nanos() / 1'000'000;
  auto key = once_key(req->tenant(), req->scope(), req->id(), ttl_ms);
  if (!key) return invalid(key.error());
  const std::string scope = scope_label(req->scope());
  auto first = with_redis<bool>([&](redis::Connection& conn) { return counters_.check_and_record(conn, *key, ttl_ms); });
  if (!first) {
    redis_errors_.add({{"operation", "check_and_record"}}).Increment();
    once_.add({{"scope", scope}, {"result", "unavailable"}}).Increment();
    return unavailable("one-time use not checked");
  }
  res->set_result(*first ? v1::CheckAndRecordResponse::FIRST_USE : v1::CheckAndRecordResponse::DUPLICATE);
  once_.add({{"scope", scope}, {"result", *first ? "first_use" : "duplicate"}}).Increment();
  return grpc::Status::OK;
}

const char* QuotaService::op_name(LockoutOp op) {
  switch (op) {
    case LockoutOp::kRecord: return "record";
    case LockoutOp::kCheck: return "check";
    case LockoutOp::kClear: return "clear";
  }
  return "unknown";
}

grpc::Status QuotaService::lockout(const v1::LockoutSubject& subject, const std::string& domain, LockoutOp op,
                                   v1::LockoutStatus* out) {
  auto kind = subject_kind(subject);
  if (!kind) return invalid(kind.error());
  auto prefix = lockout_prefix(domain, *kind, subject.tenant(), subject.id());
  if (!prefix) return invalid(prefix.error());
  const std::string kind_label = *kind == SubjectKind::kAccount ? "account" : "address";
  const auto count = [&](const char* result) {
    lockouts_.add({{"kind", kind_label}, {"operation", op_name(op)}, {"result", result}}).Increment();
  };
  auto state = with_redis<counters::LockoutState>([&](redis::Connection& conn) -> Result<counters::LockoutState> {
    if (op == LockoutOp::kRecord) return counters_.record_failure(conn, *prefix, options_.lockout.for_kind(*kind));
    if (op == LockoutOp::kCheck) return counters_.lockout_state(conn, *prefix);
    if (auto cleared = counters_.clear_lockout(conn, *prefix); !cleared) return cleared.error();
    return counters::LockoutState{};
  });
  if (!state) {
    redis_errors_.add({{"operation", std::string("lockout_") + op_name(op)}}).Increment();
    count("unavailable");
    return unavailable("lockout state unknown");
  }
  if (out) {
    out->set_locked(state->locked);
    out->set_recorded(state->recorded);
    out->set_failures(clamp32(state->failures));
    // A ban without a TTL (-1) cannot come from our scripts; report the policy's ban.
    const auto retry = state->retry_after_ms < 0 ? options_.lockout.for_kind(*kind).ban_ms : state->retry_after_ms;
    if (state->locked) set_duration(out->mutable_retry_after(), retry);
  }
  count(state->locked ? (state->recorded ? "banned_now" : "locked") : "ok");
  if (op == LockoutOp::kRecord && state->locked && state->recorded && options_.audit) {
    const auto ban = std::chrono::milliseconds(options_.lockout.for_kind(*kind).ban_ms);
    options_.audit->lockout_started(*kind == SubjectKind::kAccount ? LockoutSubjectKind::kAccount
                                                                   : LockoutSubjectKind::kAddress,
                                    subject.tenant(), subject.id(), ban);
  }
  return grpc::Status::OK;
}

grpc::Status QuotaService::RecordFailure(grpc::ServerContext*, const v1::RecordFailureRequest* req,
                                         v1::LockoutStatus* res) {
  return lockout(req->subject(), req->domain(), LockoutOp::kRecord, res);
}

grpc::Status QuotaService::CheckLockout(grpc::ServerContext*, const v1::CheckLockoutRequest* req,
                                        v1::LockoutStatus* res) {
  return lockout(req->subject(), req->domain(), LockoutOp::kCheck, res);
}

grpc::Status QuotaService::ClearFailures(grpc::ServerContext*, const v1::ClearFailuresRequest* req,
                                         v1::ClearFailuresResponse*) {
  return lockout(req->subject(), req->domain(), LockoutOp::kClear, nullptr);
}

}  // namespace bw::ratelimit
