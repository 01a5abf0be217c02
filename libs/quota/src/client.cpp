// QuotaClient over the breakwater.ratelimit.v1.Quota stub (see client.hpp).
#include "bw/quota/client.hpp"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "breakwater/ratelimit/v1/ratelimit.grpc.pb.h"

namespace bw::quota {
namespace {

namespace v1 = ::breakwater::ratelimit::v1;
using std::chrono::milliseconds;

// Spending stops this much before a lease's valid_until, so a small clock skew between
// this host and the service never spends a token the service already counts as forfeit.
constexpr milliseconds kValiditySafety{50};
// Leases fetched for one spend(): enough for a spend several leases large (a message's
// bytes against a byte rate), bounded so that a spend larger than the limit stops.
constexpr int kMinFetchesPerSpend = 3;
constexpr int kMaxFetchesPerSpend = 32;
// Threads renewing leases ahead, each one batch at a time: a pod holding many devices renews
// many leases in the 20–40% of a lease's validity left after its scheduled renewal.
constexpr int kRenewers = 2;
// Leases per AcquireLeases or ReturnLeases call (the service's bound).
constexpr std::size_t kMaxBatch = 64;
// After UNIMPLEMENTED (a service from before the batch calls), single calls for this long.
constexpr std::chrono::minutes kBatchRetry{2};
// A renewal batch also takes leases due within this fraction of their validity: devices that
// connected together (after a pod restart) are renewed in a few calls, not one call each.
constexpr int kEarlyDivisor = 20;
// A descriptor that spends three quarters of a lease within a quarter of its validity (a
// tenant with a thousand busy devices) asks for twice as many tokens next time, up to this
// many times Options::lease_size (the service caps every lease anyway): its renewals get
// rarer and the quarter left when one starts lasts longer than the round trip.
constexpr std::int64_t kMaxLeaseGrowth = 16;

milliseconds to_ms(const google::protobuf::Duration& d) {
  return milliseconds(d.seconds() * 1000 + d.nanos() / 1'000'000);
}

// A lease's end on our monotonic clock: its relative validity counted from when we SENT the
// request (the service started counting later), less a margin. Wall clocks play no part.
Clock::time_point steady_deadline(Clock::time_point sent, const google::protobuf::Duration& valid_for) {
  return sent + to_ms(valid_for) - kValiditySafety;
}

void fill(const Descriptor& d, envoy::extensions::common::ratelimit::v3::RateLimitDescriptor* out) {
  for (const auto& [key, value] : d.entries) {
    auto* e = out->add_entries();
    e->set_key(key);
    e->set_value(value);
  }
}

v1::LockoutSubject to_proto(const Subject& s) {
  v1::LockoutSubject out;
  out.set_kind(s.kind == SubjectKind::kAccount ? v1::LockoutSubject::ACCOUNT : v1::LockoutSubject::ADDRESS);
  out.set_tenant(s.tenant);
  out.set_id(s.id);
  return out;
}

Error rpc_error(const grpc::Status& st) {
  return Error{static_cast<int>(st.error_code()), "quota service: " + st.error_message()};
}

LockoutState from_proto(const v1::LockoutStatus& s) {
  return LockoutState{s.locked(), s.recorded(), s.failures(), to_ms(s.retry_after())};
}

}  // namespace

struct QuotaClient::Impl {
  // When leases are due for renewal ahead, by descriptor (one entry per descriptor at most).
  using DueMap = std::multimap<Clock::time_point, Descriptor>;

  struct Entry {
    LeaseBucket bucket;
    bool fetching = false;
    bool degraded_refusal = false;
    bool renew_queued = false;
    Clock::time_point last_used{};
    // The last lease granted: its size, when it was asked for, until when it is valid.
    std::int64_t granted = 0;
    Clock::time_point granted_from{}, granted_until{};
    // Its place in `due`, if scheduled; and no renewal ahead before renew_not_before (set
    // when one was refused or failed: no round trip per spend while the service says no).
    std::optional<DueMap::iterator> due_at;
    Clock::time_point renew_not_before{};
    std::int64_t want = 0;  // tokens to ask for next (0: Options::lease_size); see kMaxLeaseGrowth
    // Options::borrow_when_idle: whether a spend may borrow a token once this lease has run
    // out by time (set by a grant; cleared when a spend empties the bucket, when it borrows,
    // and by a refusal or an outage), and the tokens borrowed, to charge to the next grant.
    bool may_borrow = false;
    std::int64_t debt = 0;
  };

  Impl(std::shared_ptr<grpc::Channel> channel, Options o)
      : stub(v1::Quota::NewStub(std::move(channel))), options(std::move(o)) {
    if (options.renew_ahead) {
      for (int i = 0; i < kRenewers; ++i) renewers.emplace_back([this] { renew_loop(); });
    }
  }
  ~Impl() { stop_renewer(); }

  // Stops the renewal threads, cancelling the renewals in flight (so that this takes one
  // round trip's time at most, not one rpc_timeout per thread).
  void stop_renewer() {
    {
      std::lock_guard lock(mu);
      stopping = true;
      for (auto* ctx : renewing) ctx->TryCancel();
    }
    renew_wanted.notify_all();
    for (auto& t : renewers) {
      if (t.joinable()) t.join();
    }
  }

  // The request for e's next lease, of at least n tokens.
  v1::AcquireLeaseRequest lease_request(const Descriptor& d, const Entry& e, std::int64_t n) const {
    v1::AcquireLeaseRequest req;
    req.set_domain(d.domain);
    fill(d, req.mutable_rate_limit_descriptor());
    const std::int64_t want = std::max({n, options.lease_size, e.want});
    req.set_requested(static_cast<std::uint32_t>(std::clamp<std::int64_t>(want, 1, 1'000'000'000)));
    req.set_holder(options.holder);
    return req;
  }

  // Records a lease just added to e's bucket and schedules its renewal ahead at a random
  // point between 60% and 80% of its validity (leases granted together, as after a restart,
  // are not all renewed in the same instant). Called with mu held.
  void granted_to(const Descriptor& d, Entry& e, std::int64_t tokens, Clock::time_point sent,
                  Clock::time_point until) {
    e.granted = tokens;
    e.may_borrow = true;
    e.granted_from = sent;
    e.granted_until = until;
    unschedule(e);
    if (options.renew_ahead) {
      const double at = std::uniform_real_distribution<double>(0.6, 0.8)(rng);
      e.due_at = due.emplace(sent + std::chrono::duration_cast<Clock::duration>((until - sent) * at), d);
      renew_wanted.notify_one();
    }
  }

  // How a lease fetch that a spend waits for came back, recorded in e as spend() acts on it
  // (mu held): a grant joins the bucket (one too short to use goes to `too_short`, to be
  // given back), a refusal refuses the bucket until its retry_after, an outage refuses it for
  // degraded_retry (failing closed) or answers every spend locally that long (failing open);
  // an invalid descriptor records nothing.
  enum class Fetched { kGranted, kTooShort, kInvalid, kDown, kRefused };
  Fetched record_fetch(const Descriptor& d, Entry& e, const grpc::Status& st, const v1::AcquireLeaseResponse& res,
                       Clock::time_point sent, std::vector<std::pair<Descriptor, Unspent>>& too_short) {
    const auto now = Clock::now();
    const std::int64_t debt = std::exchange(e.debt, 0);  // charged to a grant, else forgiven
    if (!st.ok() || res.granted() == 0) e.may_borrow = false;
    if (!st.ok()) {
      if (st.error_code() == grpc::StatusCode::INVALID_ARGUMENT) return Fetched::kInvalid;
      calls_failing = true;
      if (options.fail_open) {
        service_down_until = now + options.degraded_retry;  // no 2 s wait per call while it is down
      } else {
        e.degraded_refusal = true;
        e.bucket.refuse(now + options.degraded_retry);
      }
      return Fetched::kDown;
    }
    calls_failing = false;
    if (res.granted() == 0) {
      e.degraded_refusal = false;
      e.bucket.refuse(now + std::max(to_ms(res.retry_after()), milliseconds(1)));
      return Fetched::kRefused;
    }
    const auto until = steady_deadline(sent, res.valid_for());
    if (until <= now) {  // too short to use (e.g. the last instant of a window): give it back
      give_back_later(d, res, debt, too_short);
      return Fetched::kTooShort;
    }
    add_grant(d, e, res, sent, until, debt, now);
    return Fetched::kGranted;
  }

  // A grant's tokens less those borrowed against it (never below 0).
  static std::int64_t left_after(const v1::AcquireLeaseResponse& res, std::int64_t debt) {
    return res.granted() - std::min<std::int64_t>(debt, res.granted());
  }

  // Queues a lease too short to use for ReturnLease, less the tokens borrowed against it
  // (they were spent: the service keeps counting them).
  static void give_back_later(const Descriptor& d, const v1::AcquireLeaseResponse& res, std::int64_t debt,
                              std::vector<std::pair<Descriptor, Unspent>>& to_return) {
    const std::int64_t left = left_after(res, debt);
    if (!res.lease_id().empty() && left > 0) to_return.emplace_back(d, Unspent{res.lease_id(), left});
  }

  // Adds a granted lease to e's bucket, less the tokens borrowed before it came (mu held).
  void add_grant(const Descriptor& d, Entry& e, const v1::AcquireLeaseResponse& res, Clock::time_point sent,
                 Clock::time_point until, std::int64_t debt, Clock::time_point now) {
    const std::int64_t left = left_after(res, debt);
    e.bucket.add(Grant{left, res.lease_id(), until}, now);  // a grant of 0 adds nothing
    granted_to(d, e, res.granted(), sent, until);
    if (left == 0) e.may_borrow = false;
  }

  // Options::borrow_when_idle: whether a spend of one token on e may go ahead on credit now
  // (mu held). Only after a lease that ran out by time (not by use), while the last call to
  // the service did not fail, nothing is refused or being fetched, and renewal ahead is not
  // backing off.
  bool can_borrow(const Entry& e, Clock::time_point now) const {
    return options.borrow_when_idle && options.renew_ahead && !stopping && e.may_borrow && e.debt == 0 &&
           !e.fetching && !e.renew_queued && now >= e.granted_until && now >= e.renew_not_before &&
           !calls_failing && !e.bucket.refused(now);
  }

  // Spends one token on credit and queues e's next lease for the renewal threads (mu held).
  void borrow(const Descriptor& d, Entry& e, Clock::time_point now) {
    e.may_borrow = false;
    e.debt = 1;
    forget_growth_if_idle(e, now);
    e.renew_queued = true;
    renewals.push_back(d);
    ++stats.borrowed;
    renew_wanted.notify_one();
  }

  // A descriptor that needs a lease after its last one ran out by time rather than by use
  // was idle: its next lease is of the configured size again (mu held).
  void forget_growth_if_idle(Entry& e, Clock::time_point now) const {
    if (now >= e.granted_until) e.want = 0;
  }

  void unschedule(Entry& e) {
    if (e.due_at) due.erase(*e.due_at);
    e.due_at.reset();
  }

  // Called with mu held after a spend from e's bucket: queues a renewal when the bucket runs
  // low (under a quarter of the last grant) and none is under way.
  void maybe_renew(const Descriptor& d, Entry& e, Clock::time_point now) {
    if (!options.renew_ahead || e.fetching || e.renew_queued || e.granted <= 0 || stopping) return;
    if (now < e.renew_not_before) return;
    if (e.bucket.available(now) * 4 >= e.granted) return;
    if (now - e.granted_from < (e.granted_until - e.granted_from) / 4) {  // ran low fast: ask for more
      e.want = std::min(std::max(e.want, options.lease_size) * 2, options.lease_size * kMaxLeaseGrowth);
    }
    e.renew_queued = true;
    renewals.push_back(d);
    renew_wanted.notify_one();
  }

  // The next descriptors to renew, waiting for one (mu held); empty when stopping. Lows
  // first; then leases at their scheduled point (or within 1/kEarlyDivisor of their validity
  // before it), if spent from lately (an idle descriptor's lease is left to expire: its next
  // spend asks, once). At most kMaxBatch. The flag says which: a scheduled renewal hands the
  // older lease's tokens back.
  std::vector<std::pair<Descriptor, bool>> next_renewals(std::unique_lock<std::mutex>& lock) {
    std::vector<std::pair<Descriptor, bool>> batch;
    for (;;) {
      if (stopping) return {};
      const auto now = Clock::now();
      while (!renewals.empty() && batch.size() < kMaxBatch) {
        Descriptor d = std::move(renewals.front());
        renewals.pop_front();
        if (auto it = buckets.find(d); it != buckets.end()) it->second.renew_queued = false;
        batch.emplace_back(std::move(d), false);
      }
      // Then those due, and with them (never alone: every grant wakes this thread) those due
      // within 1/kEarlyDivisor of their validity. An early one not worth renewing now stays
      // scheduled, to be judged at its own time.
      const auto unschedule_at = [this](DueMap::iterator at, Entry& e) {
        if (e.due_at && *e.due_at == at) e.due_at.reset();
        return due.erase(at);
      };
      for (auto at = due.begin(); at != due.end() && batch.size() < kMaxBatch;) {
        auto it = buckets.find(at->second);  // present: evict() unschedules what it drops
        if (it == buckets.end()) {
          at = due.erase(at);
          continue;
        }
        Entry& e = it->second;
        const auto validity = e.granted_until - e.granted_from;
        const bool early = at->first > now;
        if (early && (batch.empty() || at->first > now + validity / kEarlyDivisor)) break;
        // Only a descriptor spent from lately (within the last 30% of a lease's validity):
        // one used in a burst and then left alone would waste a counted lease, and with
        // small limits such waste turns into refusals of its next messages.
        const bool recent = now - e.last_used <= validity * 3 / 10;
        if (!recent || now < e.renew_not_before) {  // idle, or backing off
          at = early ? std::next(at) : unschedule_at(at, e);
          continue;
        }
        Descriptor d = at->second;
        at = unschedule_at(at, e);
        batch.emplace_back(std::move(d), true);
      }
      if (!batch.empty()) return batch;
      if (due.empty()) {
        renew_wanted.wait(lock);
      } else {
        const Clock::time_point until = due.begin()->first;  // a copy: the entry may go while waiting
        renew_wanted.wait_until(lock, until);
      }
    }
  }

  void renew_loop();  // below give_back()

  std::unique_ptr<grpc::ClientContext> context() const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + options.rpc_timeout);
    return ctx;
  }

  // Keeps the map within max_descriptors: drops idle buckets, and if none is idle, the least
  // recently used one not being fetched (its unspent tokens are forfeit: they were counted,
  // so dropping them errs on the strict side). One with a borrowed token stays (a spend may
  // be waiting on it).
  void evict(Clock::time_point now) {
    if (buckets.size() < options.max_descriptors) return;
    for (auto it = buckets.begin(); it != buckets.end();) {
      if (!it->second.fetching && it->second.debt == 0 && it->second.bucket.idle(now)) {
        unschedule(it->second);
        it = buckets.erase(it);
      } else {
        ++it;
      }
    }
    if (buckets.size() < options.max_descriptors) return;
    auto oldest = buckets.end();
    for (auto it = buckets.begin(); it != buckets.end(); ++it) {
      if (!it->second.fetching && it->second.debt == 0 &&
          (oldest == buckets.end() || it->second.last_used < oldest->second.last_used)) {
        oldest = it;
      }
    }
    if (oldest != buckets.end()) {
      unschedule(oldest->second);
      buckets.erase(oldest);
    }
  }

  std::unique_ptr<v1::Quota::Stub> stub;
  Options options;
  std::mutex mu;
  std::condition_variable fetched;
  std::map<Descriptor, Entry> buckets;  // guarded by mu; std::map: references stay valid
  Clock::time_point service_down_until{};  // guarded by mu: fail_open answers locally until then
  bool calls_failing = false;  // guarded by mu: the last lease call answered failed (no borrowing until one succeeds)
  std::minstd_rand rng{std::random_device{}()};  // guarded by mu: renewal jitter, not security-relevant
  std::deque<Descriptor> renewals;         // guarded by mu: running low, to renew ahead
  // guarded by mu: when each lease is due for renewal ahead
  DueMap due;
  std::set<grpc::ClientContext*> renewing;  // guarded by mu: renewals in flight, cancelled by stop_renewer()
  std::condition_variable renew_wanted;
  bool stopping = false;                   // guarded by mu
  Stats stats;                             // guarded by mu
  // When the service answered UNIMPLEMENTED to AcquireLeases or ReturnLeases (an older
  // breakwater-ratelimit, during a rolling upgrade): one call per lease until
  // kBatchRetry later, then the batch calls are tried again.
  std::atomic<Clock::rep> singles_until{0};
  bool batch_calls() const { return Clock::now().time_since_epoch().count() >= singles_until.load(); }
  void batch_unimplemented() { singles_until = (Clock::now() + kBatchRetry).time_since_epoch().count(); }
  std::vector<std::thread> renewers;       // last: started when everything else exists
};

namespace {

// ReturnLease for one lease; nullopt when the service could not be reached.
// What ReturnLease (or one item of ReturnLeases) carries for one lease.
void fill_return(const Descriptor& d, const Unspent& u, v1::ReturnLeaseRequest* out) {
  out->set_lease_id(u.lease_id);
  out->set_domain(d.domain);
  fill(d, out->mutable_rate_limit_descriptor());
  out->set_unspent(static_cast<std::uint32_t>(std::min<std::int64_t>(u.tokens, UINT32_MAX)));
}

std::optional<std::int64_t> give_back(QuotaClient::Impl& m, const Descriptor& d, const Unspent& u,
                                      std::optional<std::chrono::system_clock::time_point> deadline = std::nullopt) {
  v1::ReturnLeaseRequest req;
  fill_return(d, u, &req);
  v1::ReturnLeaseResponse res;
  auto ctx = m.context();
  if (deadline) ctx->set_deadline(std::min(*deadline, std::chrono::system_clock::now() + m.options.rpc_timeout));
  const auto st = m.stub->ReturnLease(ctx.get(), req, &res);
  if (st.error_code() == grpc::StatusCode::UNAVAILABLE || st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return std::nullopt;
  }
  return st.ok() ? static_cast<std::int64_t>(res.credited()) : 0;
}

// Gives back several leases, kMaxBatch per ReturnLeases call (ReturnLease each against a
// service that predates ReturnLeases). Best effort: stops at the first unreachable answer.
void give_back_all(QuotaClient::Impl& m, const std::vector<std::pair<Descriptor, Unspent>>& all) {
  for (std::size_t from = 0; from < all.size();) {
    const std::size_t to = std::min(all.size(), from + kMaxBatch);
    if (m.batch_calls()) {
      v1::ReturnLeasesRequest req;
      for (std::size_t i = from; i < to; ++i) fill_return(all[i].first, all[i].second, req.add_leases());
      v1::ReturnLeasesResponse res;
      const auto st = m.stub->ReturnLeases(m.context().get(), req, &res);
      if (st.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
        m.batch_unimplemented();
        continue;  // the same leases again, one call each
      }
      if (!st.ok()) return;
    } else {
      for (std::size_t i = from; i < to; ++i) {
        if (!give_back(m, all[i].first, all[i].second)) return;
      }
    }
    from = to;
  }
}

// One status and answer per item of a lease batch.
using ItemAnswers = std::vector<std::pair<grpc::Status, v1::AcquireLeaseResponse>>;

// The answer to each of n items of an AcquireLeases call that the service implements: the
// call's error for every item when it failed, an item's own error as INVALID_ARGUMENT, and
// INTERNAL for an item a short answer left out.
ItemAnswers item_answers(const grpc::Status& st, v1::AcquireLeasesResponse& res, std::size_t n) {
  ItemAnswers out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int at = static_cast<int>(i);
    if (!st.ok()) {
      out[i].first = st;
    } else if (at >= res.leases_size()) {
      out[i].first = grpc::Status(grpc::StatusCode::INTERNAL, "AcquireLeases answered fewer items than asked");
    } else if (!res.leases(at).error().empty()) {
      out[i].first = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, res.leases(at).error());
    } else {
      out[i].second = std::move(*res.mutable_leases(at)->mutable_lease());
    }
  }
  return out;
}

// One renewal call for a batch: AcquireLeases, or AcquireLease per item against a service
// that predates it (within the batch's one deadline, each call cancellable by
// stop_renewer(), and none after the service is found unreachable). One status and answer
// per request item, in order; `calls` counts the calls made.
ItemAnswers renew_batch(QuotaClient::Impl& m, const v1::AcquireLeasesRequest& req, grpc::ClientContext* ctx,
                        int& calls) {
  ItemAnswers out(static_cast<std::size_t>(req.leases_size()));
  const auto deadline = std::chrono::system_clock::now() + m.options.rpc_timeout;
  if (m.batch_calls()) {
    v1::AcquireLeasesResponse res;
    ++calls;
    const auto st = m.stub->AcquireLeases(ctx, req, &res);
    if (st.error_code() != grpc::StatusCode::UNIMPLEMENTED) return item_answers(st, res, out.size());
    m.batch_unimplemented();
  }
  grpc::Status stop;  // set once the service is unreachable or the renewer stops
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!stop.ok()) {
      out[i].first = stop;
      continue;
    }
    grpc::ClientContext one;
    one.set_deadline(deadline);
    {
      std::lock_guard lock(m.mu);
      if (m.stopping) {
        out[i].first = stop = grpc::Status(grpc::StatusCode::CANCELLED, "stopping");
        continue;
      }
      m.renewing.insert(&one);
    }
    ++calls;
    out[i].first = m.stub->AcquireLease(&one, req.leases(static_cast<int>(i)), &out[i].second);
    {
      std::lock_guard lock(m.mu);
      m.renewing.erase(&one);
    }
    const auto code = out[i].first.error_code();
    if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
        code == grpc::StatusCode::CANCELLED) {
      stop = out[i].first;
    }
  }
  return out;
}

}  // namespace

void QuotaClient::Impl::renew_loop() {
  std::unique_lock lock(mu);
  for (auto batch = next_renewals(lock); !batch.empty(); batch = next_renewals(lock)) {
    // Those still worth asking for, marked as being fetched (so never evicted meanwhile).
    std::vector<std::pair<Entry*, std::pair<Descriptor, bool>>> asked;
    v1::AcquireLeasesRequest req;
    req.set_holder(options.holder);
    for (auto& item : batch) {
      auto found = buckets.find(item.first);
      if (found == buckets.end()) continue;  // evicted meanwhile
      Entry& e = found->second;              // std::map: stays valid while fetching
      if (e.fetching) continue;  // under way: that fetch charges any borrowed token
      if (e.bucket.refused(Clock::now())) {  // refused meanwhile: a borrowed token is forgiven
        e.debt = 0;
        continue;
      }
      e.fetching = true;
      *req.add_leases() = lease_request(item.first, e, 1);
      asked.emplace_back(&e, std::move(item));
    }
    if (asked.empty()) {
      fetched.notify_all();  // a borrowed token may have been forgiven above
      continue;
    }
    auto ctx = context();
    renewing.insert(ctx.get());
    lock.unlock();
    const auto sent = Clock::now();
    int calls = 0;
    auto answers = renew_batch(*this, req, ctx.get(), calls);
    lock.lock();
    renewing.erase(ctx.get());
    stats.ahead_calls += static_cast<std::uint64_t>(calls);
    const auto now = Clock::now();
    std::vector<std::pair<Descriptor, Unspent>> to_return;
    for (std::size_t i = 0; i < asked.size(); ++i) {
      Entry& e = *asked[i].first;
      const Descriptor& d = asked[i].second.first;
      const bool scheduled = asked[i].second.second;
      const auto& [st, res] = answers[i];
      e.fetching = false;
      const std::int64_t debt = std::exchange(e.debt, 0);  // charged to a grant, else forgiven
      ++stats.ahead;
      // A refusal or an error is not cached in the bucket (its tokens stay spendable, and a
      // spend that finds it empty asks, and waits, itself); renewal ahead pauses meanwhile.
      if (!st.ok()) {
        e.renew_not_before = now + options.degraded_retry;
        e.may_borrow = false;
        if (st.error_code() != grpc::StatusCode::INVALID_ARGUMENT) calls_failing = true;
        continue;
      }
      calls_failing = false;
      if (res.granted() == 0) {
        e.renew_not_before = now + std::max(to_ms(res.retry_after()), milliseconds(1));
        e.may_borrow = false;
        continue;
      }
      const auto until = steady_deadline(sent, res.valid_for());
      if (until <= now) {  // too short to use: given back, as spend() does
        give_back_later(d, res, debt, to_return);
        continue;
      }
      const std::int64_t previous = e.granted;
      add_grant(d, e, res, sent, until, debt, now);
      // A scheduled renewal replaces a lease that still holds tokens (it was not running
      // low): they go back now, credited to the limit, instead of being forfeit at its end;
      // if more than half of it went unspent, the next lease asks for half as many.
      if (scheduled) {
        std::int64_t unspent = 0;
        for (auto& u : e.bucket.take_older_unspent(now)) {
          unspent += u.tokens;
          to_return.emplace_back(d, std::move(u));
        }
        if (unspent * 2 > previous) e.want = std::max(options.lease_size, e.want / 2);
      }
    }
    fetched.notify_all();
    if (!to_return.empty()) {
      lock.unlock();
      give_back_all(*this, to_return);
      lock.lock();
    }
  }
}

QuotaClient::QuotaClient(std::shared_ptr<grpc::Channel> channel, Options options)
    : impl_(std::make_unique<Impl>(std::move(channel), std::move(options))) {}

QuotaClient::~QuotaClient() {
  impl_->stop_renewer();
  return_unspent();
}

QuotaClient::Stats QuotaClient::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

SpendResult QuotaClient::spend(const Descriptor& descriptor, std::int64_t n) {
  if (n < 1) return SpendResult{n == 0, false, n < 0, milliseconds(0)};
  Impl& m = *impl_;
  std::unique_lock lock(m.mu);
  std::int64_t last_grant = m.options.lease_size;
  for (int fetches = 0;;) {
    auto now = Clock::now();
    auto found = m.buckets.find(descriptor);
    if (found == m.buckets.end()) {
      m.evict(now);
      found = m.buckets.emplace(descriptor, Impl::Entry{}).first;
    }
    Impl::Entry& e = found->second;
    e.last_used = now;
    if (e.bucket.try_spend(n, now)) {
      if (m.options.borrow_when_idle && e.bucket.available(now) == 0) e.may_borrow = false;  // spent out: not idle
      m.maybe_renew(descriptor, e, now);
      return SpendResult{true, false, false, milliseconds(0)};
    }
    if (m.options.fail_open && now < m.service_down_until) return SpendResult{true, true, false, milliseconds(0)};
    if (e.bucket.refused(now)) {
      const auto wait = std::chrono::duration_cast<milliseconds>(e.bucket.refused_until() - now);
      return SpendResult{false, e.degraded_refusal, false, std::max(wait, milliseconds(1))};
    }
    // Someone else asks the service for this descriptor (or a renewal thread will, for a
    // borrowed token): wait for it.
    if (e.fetching || (e.debt > 0 && !m.stopping)) {
      m.fetched.wait_for(lock, m.options.rpc_timeout);
      continue;
    }
    if (n == 1 && m.can_borrow(e, now)) {
      m.borrow(descriptor, e, now);
      return SpendResult{true, false, false, milliseconds(0)};
    }
    const std::int64_t per_lease = std::max<std::int64_t>(1, last_grant);
    const int needed = static_cast<int>(std::min<std::int64_t>((n + per_lease - 1) / per_lease + 1, kMaxFetchesPerSpend));
    if (fetches++ >= std::max(kMinFetchesPerSpend, needed)) return SpendResult{false, false, false, milliseconds(1)};

    e.fetching = true;
    m.forget_growth_if_idle(e, now);
    const auto req = m.lease_request(descriptor, e, n);
    v1::AcquireLeaseResponse res;
    lock.unlock();
    const auto sent = Clock::now();
    const grpc::Status st = m.stub->AcquireLease(m.context().get(), req, &res);
    lock.lock();
    e.fetching = false;
    ++m.stats.waited;
    ++m.stats.waited_calls;
    m.fetched.notify_all();
    std::vector<std::pair<Descriptor, Unspent>> too_short;
    switch (m.record_fetch(descriptor, e, st, res, sent, too_short)) {
      case Impl::Fetched::kInvalid: return SpendResult{false, false, true, milliseconds(0)};
      case Impl::Fetched::kDown:
        return m.options.fail_open ? SpendResult{true, true, false, milliseconds(0)}
                                   : SpendResult{false, true, false, m.options.degraded_retry};
      case Impl::Fetched::kRefused: return SpendResult{false, false, false, std::max(to_ms(res.retry_after()), milliseconds(1))};
      case Impl::Fetched::kTooShort:
        last_grant = res.granted();
        for (const auto& [d, u] : too_short) {
          lock.unlock();
          give_back(m, d, u);
          lock.lock();
        }
        continue;
      case Impl::Fetched::kGranted: last_grant = res.granted(); continue;
    }
  }
}

void QuotaClient::prefetch(const std::vector<Descriptor>& descriptors) {
  Impl& m = *impl_;
  std::unique_lock lock(m.mu);
  for (std::size_t from = 0; from < descriptors.size() && m.batch_calls();) {
    auto now = Clock::now();
    if (m.options.fail_open && now < m.service_down_until) return;  // spend() answers locally meanwhile
    // Those that spend() would have to fetch: nothing to spend, none under way, not refused,
    // and no token to borrow.
    // A descriptor named twice is asked once (the first marks it as being fetched).
    std::vector<std::pair<Impl::Entry*, const Descriptor*>> asked;
    v1::AcquireLeasesRequest req;
    req.set_holder(m.options.holder);
    for (; from < descriptors.size() && asked.size() < kMaxBatch; ++from) {
      const Descriptor& d = descriptors[from];
      auto found = m.buckets.find(d);
      if (found == m.buckets.end()) {
        m.evict(now);
        found = m.buckets.emplace(d, Impl::Entry{}).first;
      }
      Impl::Entry& e = found->second;  // std::map: stays valid while fetching
      if (e.fetching || e.debt > 0 || e.bucket.available(now) > 0 || e.bucket.refused(now)) continue;
      if (m.can_borrow(e, now)) continue;  // spend() borrows, and its lease comes in the background
      e.fetching = true;
      e.last_used = now;
      m.forget_growth_if_idle(e, now);
      *req.add_leases() = m.lease_request(d, e, 1);
      asked.emplace_back(&e, &d);
    }
    if (asked.empty()) continue;
    lock.unlock();
    const auto sent = Clock::now();
    v1::AcquireLeasesResponse res;
    const grpc::Status st = m.stub->AcquireLeases(m.context().get(), req, &res);
    lock.lock();
    ++m.stats.waited_calls;
    const bool unimplemented = st.error_code() == grpc::StatusCode::UNIMPLEMENTED;
    if (unimplemented) m.batch_unimplemented();
    const ItemAnswers answers = unimplemented ? ItemAnswers{} : item_answers(st, res, asked.size());
    std::vector<std::pair<Descriptor, Unspent>> too_short;
    for (std::size_t i = 0; i < asked.size(); ++i) {
      Impl::Entry& e = *asked[i].first;
      e.fetching = false;
      // Not answered (an older service, or an invalid item): spend() asks for it alone.
      if (unimplemented || answers[i].first.error_code() == grpc::StatusCode::INVALID_ARGUMENT) continue;
      ++m.stats.waited;
      m.record_fetch(*asked[i].second, e, answers[i].first, answers[i].second, sent, too_short);
    }
    m.fetched.notify_all();
    if (!too_short.empty()) {
      lock.unlock();
      give_back_all(m, too_short);
      lock.lock();
    }
    // The service is away (recorded above as spend() would): no call for the next 64, which
    // would only wait as long again. Their spends answer as they would have.
    if (!st.ok()) return;
  }
}

std::int64_t QuotaClient::return_unspent() {
  Impl& m = *impl_;
  std::vector<std::pair<Descriptor, Unspent>> todo;
  {
    std::lock_guard lock(m.mu);
    const auto now = Clock::now();
    for (auto& [descriptor, entry] : m.buckets) {
      for (auto& u : entry.bucket.take_unspent(now)) todo.emplace_back(descriptor, std::move(u));
    }
  }
  // One deadline for them all, and none after the service is found unreachable: returning
  // is a courtesy (unreturned tokens only make the limit stricter), never a hang.
  const auto deadline = std::chrono::system_clock::now() + m.options.rpc_timeout;
  std::int64_t credited = 0;
  for (const auto& [descriptor, unspent] : todo) {
    if (std::chrono::system_clock::now() >= deadline) break;
    auto got = give_back(m, descriptor, unspent, deadline);
    if (!got) break;
    credited += *got;
  }
  return credited;
}

Result<OneTime> QuotaClient::check_and_record(std::string_view tenant, std::string_view scope, std::string_view id,
                                              milliseconds ttl) {
  v1::CheckAndRecordRequest req;
  req.set_tenant(std::string(tenant));
  req.set_scope(std::string(scope));
  req.set_id(std::string(id));
  req.mutable_ttl()->set_seconds(ttl.count() / 1000);
  req.mutable_ttl()->set_nanos(static_cast<std::int32_t>((ttl.count() % 1000) * 1'000'000));
  v1::CheckAndRecordResponse res;
  const auto st = impl_->stub->CheckAndRecord(impl_->context().get(), req, &res);
  if (!st.ok()) return rpc_error(st);
  if (res.result() == v1::CheckAndRecordResponse::FIRST_USE) return OneTime::kFirstUse;
  if (res.result() == v1::CheckAndRecordResponse::DUPLICATE) return OneTime::kDuplicate;
  return Error{static_cast<int>(grpc::StatusCode::INTERNAL), "quota service: no result in CheckAndRecord"};
}

Result<LockoutState> QuotaClient::record_failure(const Subject& subject, std::string_view domain) {
  v1::RecordFailureRequest req;
  *req.mutable_subject() = to_proto(subject);
  req.set_domain(std::string(domain));
  v1::LockoutStatus res;
  const auto st = impl_->stub->RecordFailure(impl_->context().get(), req, &res);
  if (!st.ok()) return rpc_error(st);
  return from_proto(res);
}

Result<LockoutState> QuotaClient::check_lockout(const Subject& subject, std::string_view domain) {
  v1::CheckLockoutRequest req;
  *req.mutable_subject() = to_proto(subject);
  req.set_domain(std::string(domain));
  v1::LockoutStatus res;
  const auto st = impl_->stub->CheckLockout(impl_->context().get(), req, &res);
  if (!st.ok()) return rpc_error(st);
  return from_proto(res);
}

Status QuotaClient::clear_failures(const Subject& subject, std::string_view domain) {
  v1::ClearFailuresRequest req;
  *req.mutable_subject() = to_proto(subject);
  req.set_domain(std::string(domain));
  v1::ClearFailuresResponse res;
  const auto st = impl_->stub->ClearFailures(impl_->context().get(), req, &res);
  if (!st.ok()) return rpc_error(st);
  return {};
}

}  // namespace bw::quota
