#include "relay_core.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <thread>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <unordered_map>

#include "bw/crypto/hex.hpp"
#include "bw/log/log.hpp"
#include "bw/quota/client.hpp"
#include "relay_audit.hpp"
#include "relay_metrics.hpp"

namespace bw::relay {

namespace v1 = breakwater::relay::v1;
using SteadyClock = std::chrono::steady_clock;

// ---- messages between actors (local only: nothing here is ever serialised) ----

struct Done {
  std::function<void()> apply;
};
struct AppendReply {
  enum class Status { kRouted, kReplayed, kFull, kRateLimited, kUnavailable, kInternal };
  Status status = Status::kRouted;
  std::uint64_t retry_after_ms = 0;
};
struct AppendJob {
  AppendItem item;
  std::string tenant;
  std::string sender;
  std::function<void(AppendReply)> reply;
};
struct Kick {
  v1::GoAway::Reason reason = v1::GoAway::REASON_UNSPECIFIED;
  std::string connection;  // the connection that took over (SUPERSEDED)
};
struct Registration {
  std::string device;
  std::string connection;
  caf::actor actor;
  std::vector<std::string> peers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Done&) {
  return f(caf::meta::type_name("Done"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AppendJob&) {
  return f(caf::meta::type_name("AppendJob"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Kick& x) {
  return f(caf::meta::type_name("Kick"), x.connection);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Registration& x) {
  return f(caf::meta::type_name("Registration"), x.device, x.connection);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Inbound& x) {
  return f(caf::meta::type_name("Inbound"), x.ping_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ChannelEvent& x) {
  return f(caf::meta::type_name("ChannelEvent"), x.since_ms);
}

using in_atom = caf::atom_constant<caf::atom("in")>;
using gone_atom = caf::atom_constant<caf::atom("gone")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using append_atom = caf::atom_constant<caf::atom("append")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using chan_atom = caf::atom_constant<caf::atom("chan")>;
using kick_atom = caf::atom_constant<caf::atom("kick")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using hello_atom = caf::atom_constant<caf::atom("hellotmo")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using reg_atom = caf::atom_constant<caf::atom("reg")>;
using regdone_atom = caf::atom_constant<caf::atom("regdone")>;
using unreg_atom = caf::atom_constant<caf::atom("unreg")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using pairings_atom = caf::atom_constant<caf::atom("pairings")>;
using mail_atom = caf::atom_constant<caf::atom("mail")>;

// ---- I/O workers: blocking jobs (auth RPCs, Redis reads and acks, presence) off the scheduler ----

// Threads sharing one FIFO queue: a slow job (an auth call, a presence refresh of every
// device) holds up one worker, never the jobs queued behind it, as a queue per worker did.
class IoPool {
 public:
  explicit IoPool(std::size_t threads) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  ~IoPool() { stop(); }
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  // Ignored once stop() has begun.
  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }
  std::size_t queued() const {
    std::lock_guard lock(mu_);
    return jobs_.size();
  }
  // Runs what is queued, then joins the workers.
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// ---- shared state ----

struct Relay::Shared {
  Shared(std::size_t threads) {
    cfg.set("scheduler.max-threads", threads);
    cfg.set("logger.verbosity", caf::atom("quiet"));
    // One shared queue whose workers sleep on a condition variable. CAF's default
    // work-stealing workers poll with 50 µs sleeps when idle: in relay_bench that polling
    // took 12% of the machine, and routing went from 6.9k to 8.4k envelopes/s without it.
    cfg.set("scheduler.policy", caf::atom("sharing"));
    system = std::make_unique<caf::actor_system>(cfg);
  }
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  std::shared_ptr<RelayBackend> backend;
  std::shared_ptr<AuthLink> auth;
  std::shared_ptr<quota::QuotaClient> quota;
  std::unique_ptr<RelayMetrics> metrics;
  RelayOptions options;
  caf::actor router;
  std::unique_ptr<IoPool> io;
  std::vector<caf::actor> appenders;
  std::atomic<std::uint64_t> next_connection{0};
  std::atomic<std::size_t> open_connections{0};
  std::mutex live_mu;
  std::set<caf::actor> live;  // every connection actor, to stop them at shutdown

  const caf::actor& appender_for(const std::string& recipient) {
    return appenders[std::hash<std::string>{}(recipient) % appenders.size()];
  }
};

namespace {

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// Spreads reconnects after a drain and connections' ticks; not security-relevant.
std::minstd_rand& jitter_rng() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return rng;
}
std::uint64_t jitter_ms(std::uint64_t range) { return jitter_rng()() % range; }
std::chrono::milliseconds next_tick(const Relay::Shared& sh, bool first = false) {
  return tick_delay(sh.options.ping_interval, std::uniform_real_distribution<double>(0.0, 1.0)(jitter_rng()), first);
}

v1::MailboxOffset to_proto(MboxOffset o) {
  v1::MailboxOffset p;
  p.set_ms(o.ms);
  p.set_seq(o.seq);
  return p;
}

const char* reason_name(v1::GoAway::Reason r) {
  switch (r) {
    case v1::GoAway::DRAINING: return "draining";
    case v1::GoAway::SUPERSEDED: return "superseded";
    case v1::GoAway::CREDENTIALS_EXPIRED: return "credentials_expired";
    case v1::GoAway::DEVICE_REVOKED: return "device_revoked";
    case v1::GoAway::OVERLOADED: return "overloaded";
    default: return "other";
  }
}

// ---- appenders: drain queued envelopes into one pipelined Redis step ----

AppendReply::Status from_outcome(Appended a) {
  switch (a) {
    case Appended::kOk: return AppendReply::Status::kRouted;
    case Appended::kReplayed: return AppendReply::Status::kReplayed;
    case Appended::kFull: return AppendReply::Status::kFull;
  }
  return AppendReply::Status::kInternal;
}

void append_batch(Relay::Shared& sh, std::vector<AppendJob>& jobs) {
  std::vector<AppendItem> items;
  std::vector<std::size_t> index;  // jobs[index[i]] ↔ items[i]
  items.reserve(jobs.size());
  const bool quota = sh.quota && !sh.options.quota_domain.empty();
  // Each job's (tenant, device) and (tenant) descriptors, side by side. Leases that the
  // spends below would each fetch alone (devices that just connected, as after a pod
  // restart) are fetched first, 64 a call: a full batch of new devices takes two calls.
  std::vector<quota::Descriptor> descriptors;
  if (quota) {
    descriptors.reserve(2 * jobs.size());
    for (const auto& job : jobs) {
      std::string tenant_hex = crypto::hex_encode(as_bytes(job.tenant));
      descriptors.push_back({sh.options.quota_domain, {{"tenant", tenant_hex}, {"device", crypto::hex_encode(as_bytes(job.sender))}}});
      descriptors.push_back({sh.options.quota_domain, {{"tenant", std::move(tenant_hex)}}});
    }
    sh.quota->prefetch(descriptors);
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& job = jobs[i];
    if (quota) {
      auto device = sh.quota->spend(descriptors[2 * i], 1);
      quota::SpendResult tenant;
      if (device.allowed) tenant = sh.quota->spend(descriptors[2 * i + 1], 1);
      const auto& refused = device.allowed ? tenant : device;
      if (!device.allowed || !tenant.allowed) {
        AppendReply r;
        r.status = (refused.degraded || refused.invalid) ? AppendReply::Status::kUnavailable
                                                         : AppendReply::Status::kRateLimited;
        r.retry_after_ms = static_cast<std::uint64_t>(std::max<std::int64_t>(refused.retry_after.count(), 100));
        if (refused.degraded || refused.invalid) sh.metrics->backend_error("quota").Increment();
        job.reply(r);
        continue;
      }
    }
    index.push_back(i);
    items.push_back(std::move(job.item));
  }
  if (items.empty()) return;
  sh.metrics->batch_size.Observe(static_cast<double>(items.size()));
  auto results = sh.backend->append(items);
  for (std::size_t i = 0; i < index.size(); ++i) {
    AppendReply r;
    if (i >= results.size() || !results[i]) {
      sh.metrics->backend_error("append").Increment();
      r.status = AppendReply::Status::kInternal;
      r.retry_after_ms = 500;
    } else {
      r.status = from_outcome(results[i]->outcome);
      if (r.status == AppendReply::Status::kFull) r.retry_after_ms = 1000;
    }
    jobs[index[i]].reply(r);
  }
}

void appender_loop(caf::blocking_actor* self, std::shared_ptr<Relay::Shared> sh) {
  bool running = true;
  std::vector<AppendJob> batch;
  self->receive_while(running)(
      [&](append_atom, AppendJob& first) {
        batch.clear();
        batch.push_back(std::move(first));
        bool more = true;
        while (more && running && batch.size() < sh->options.max_batch) {
          self->receive([&](append_atom, AppendJob& next) { batch.push_back(std::move(next)); },
                        [&](stop_atom) { running = false; },
                        caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
        }
        append_batch(*sh, batch);
      },
      [&](stop_atom) { running = false; });
}

// ---- the connection actor ----

struct ConnState {
  enum class Phase { kHello, kAuth, kReady, kClosed };
  std::shared_ptr<Relay::Shared> sh;
  std::shared_ptr<Outbound> out;
  std::string id;
  bool agent = false;  // gRPC stream: an agent; WebSocket: a client
  Phase phase = Phase::kHello;
  Authenticated who;
  std::string credential;
  std::uint64_t credential_generation = 0;
  std::map<std::string, PairingView> pairings;  // by peer device
  MboxOffset cursor;
  // Lists, not deques: a deque allocates ~600 bytes on construction, and these are
  // empty on an idle connection (three deques were ~1.8 KiB of every idle connection).
  std::list<MboxOffset> unacked;
  bool reading = false;
  bool wake = false;
  bool registered = false;
  bool draining = false;
  bool refreshing = false;
  bool refresh_scheduled = false;  // an unknown recipient waits for the next allowed refetch
  bool closing = false;            // the peer left; finish once the waiting envelopes are routed
  bool rechecking = false;
  SteadyClock::time_point last_refresh{};
  SteadyClock::time_point last_recheck{};
  SteadyClock::time_point last_in{};
  std::list<std::shared_ptr<const v1::Envelope>> waiting;  // for a pairing refresh, in order
  std::list<Inbound> early;                                 // frames before Welcome
  std::size_t pending = 0;                                  // envelopes at the appenders
  std::uint64_t pings = 0;
  EventThrottle audit_throttle{kAuditWindow};  // folds repeated refusals into one audit event
  static inline const char* name = "relay_connection";
};

using ConnActor = caf::stateful_actor<ConnState>;

template <class F, class G>
void run_io(ConnActor* self, F blocking, G apply) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  self->state.sh->io->post([me, blocking = std::move(blocking), apply = std::move(apply)]() mutable {
    auto result = std::make_shared<decltype(blocking())>(blocking());
    caf::anon_send(me, done_atom::value, Done{[apply, result]() mutable { apply(*result); }});
  });
}

const char* transport_of(ConnActor* self) { return self->state.out->transport(); }

void finish(ConnActor* self, const std::string& reason) {
  auto& st = self->state;
  if (st.phase == ConnState::Phase::kClosed) return;
  const bool was_ready = st.phase == ConnState::Phase::kReady;
  st.phase = ConnState::Phase::kClosed;
  st.out->close(reason);
  st.sh->metrics->close(transport_of(self), reason).Increment();
  if (const auto& audit = st.sh->options.audit; audit && was_ready) {
    if (reason == "slow_reader") audit->slow_reader(st.who.identity, transport_of(self));
    audit->connection_closed(st.audit_throttle, st.who.identity);
  }
  if (was_ready) (st.agent ? st.sh->metrics->connections_grpc : st.sh->metrics->connections_ws).Decrement();
  if (st.registered) {
    Registration r{st.who.identity.device, st.id, caf::actor{}, {}};
    for (const auto& [peer, _] : st.pairings) r.peers.push_back(peer);
    caf::anon_send(st.sh->router, unreg_atom::value, std::move(r));
  }
  st.sh->open_connections--;
  {
    std::lock_guard lock(st.sh->live_mu);
    st.sh->live.erase(caf::actor_cast<caf::actor>(self));
  }
  self->quit();
}

void send_frame(ConnActor* self, const v1::RelayFrame& frame) {
  if (self->state.phase == ConnState::Phase::kClosed) return;
  if (!self->state.out->send(frame) && !self->state.closing) finish(self, "slow_reader");
}

void send_error(ConnActor* self, ErrorCode code, const std::string& message, const v1::Envelope* about,
                std::uint64_t retry_after_ms = 0, bool terminal = false) {
  v1::RelayFrame f;
  auto* e = f.mutable_error();
  e->set_code(code);
  e->set_message(message);
  e->set_retry_after_ms(retry_after_ms);
  e->set_terminal(terminal);
  if (about != nullptr) {
    e->mutable_envelope()->set_recipient(about->recipient());
    e->mutable_envelope()->set_nonce(about->nonce());
  }
  send_frame(self, f);
  if (terminal) finish(self, code_name(code));
}

void reject(ConnActor* self, ErrorCode code, const v1::Envelope& env, std::uint64_t retry_after_ms = 0) {
  auto& st = self->state;
  st.sh->metrics->envelope(code_name(code)).Increment();
  if (const auto& audit = st.sh->options.audit) {
    audit->envelope_refused(st.audit_throttle, st.who.identity, code_name(code), code == v1::Error::RATE_LIMITED);
  }
  send_error(self, code, std::string("envelope refused: ") + code_name(code), &env, retry_after_ms);
}

void go_away(ConnActor* self, v1::GoAway::Reason reason, const std::string& message, std::uint64_t reconnect_ms) {
  auto& st = self->state;
  if (st.phase == ConnState::Phase::kClosed || st.draining) return;
  st.draining = true;
  st.sh->metrics->goaway(reason_name(reason)).Increment();
  v1::RelayFrame f;
  f.mutable_go_away()->set_reason(reason);
  f.mutable_go_away()->set_message(message);
  f.mutable_go_away()->set_reconnect_after_ms(reconnect_ms);
  send_frame(self, f);
  if (reason == v1::GoAway::DRAINING) {
    self->delayed_send(self, st.sh->options.drain_grace, close_atom::value, std::string(reason_name(reason)));
  } else {
    finish(self, reason_name(reason));
  }
}

void pump(ConnActor* self);

// Sends entries after the cursor, in order, while the unacknowledged window has room (the
// rest is read again later: wake).
void deliver(ConnActor* self, const std::vector<MailboxEntry>& entries) {
  auto& st = self->state;
  for (const auto& entry : entries) {
    if (st.phase == ConnState::Phase::kClosed) return;
    if (entry.offset <= st.cursor) continue;  // already sent on this connection
    if (st.unacked.size() >= st.sh->options.max_unacked) {
      st.wake = true;
      return;
    }
    v1::RelayFrame f;
    auto* d = f.mutable_delivery();
    *d->mutable_offset() = to_proto(entry.offset);
    if (!d->mutable_envelope()->ParseFromString(entry.envelope)) {
      // Only the relay writes mailboxes; an unreadable entry is skipped, acknowledged and counted.
      st.sh->metrics->backend_error("corrupt_entry").Increment();
      st.cursor = entry.offset;
      continue;
    }
    send_frame(self, f);
    st.sh->metrics->deliveries.Increment();
    st.unacked.push_back(entry.offset);
    st.cursor = entry.offset;
  }
}

void pump(ConnActor* self) {
  auto& st = self->state;
  if (st.phase != ConnState::Phase::kReady || !st.registered || st.reading || !st.wake || st.draining) return;
  if (st.unacked.size() >= st.sh->options.max_unacked) return;
  const std::size_t room = st.sh->options.max_unacked - st.unacked.size();
  st.reading = true;
  st.wake = false;
  auto backend = st.sh->backend;
  run_io(
      self, [backend, device = st.who.identity.device, after = st.cursor, room] {
        return backend->read_after(device, after, room);
      },
      [self, room](const Result<std::vector<MailboxEntry>>& entries) {
        auto& cs = self->state;
        cs.reading = false;
        if (cs.phase != ConnState::Phase::kReady) return;
        if (!entries) {
          cs.sh->metrics->backend_error("read").Increment();
          cs.wake = true;  // tried again at the next tick
          return;
        }
        deliver(self, *entries);
        if (entries->size() >= room) cs.wake = true;
        pump(self);
      });
}

// A new entry that came with its notification. It is sent at once when nothing can lie
// between it and what this connection delivered last (its predecessor in the mailbox is at
// or before the cursor); otherwise the mailbox is read, which finds it in order.
void on_mail(ConnActor* self, ChannelEvent& ev) {
  auto& st = self->state;
  if (ev.offset <= st.cursor) return;  // delivered already (a read found it first)
  const bool direct = st.phase == ConnState::Phase::kReady && st.registered && !st.draining &&
                      ev.previous <= st.cursor && st.unacked.size() < st.sh->options.max_unacked;
  if (direct) {
    st.sh->metrics->inline_deliveries.Increment();
    deliver(self, {MailboxEntry{ev.offset, std::move(ev.envelope)}});
    return;
  }
  st.wake = true;
  pump(self);
}

void append(ConnActor* self, const std::shared_ptr<const v1::Envelope>& env) {
  auto& st = self->state;
  const PairingView* pairing = nullptr;
  if (auto it = st.pairings.find(env->recipient()); it != st.pairings.end()) pairing = &it->second;
  const auto code = check_envelope(st.who.identity, *env, pairing, static_cast<std::int64_t>(wall_ms()),
                                   st.sh->options.limits);
  if (code != v1::Error::CODE_UNSPECIFIED) {
    reject(self, code, *env);
    return;
  }
  AppendJob job;
  job.item.recipient = env->recipient();
  job.item.nonce = env->nonce();
  job.item.envelope = env->SerializeAsString();
  job.tenant = st.who.identity.tenant;
  job.sender = st.who.identity.device;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  const auto started = SteadyClock::now();
  job.reply = [me, env, started, self](AppendReply reply) {
    caf::anon_send(me, done_atom::value, Done{[self, env, started, reply] {
      auto& cs = self->state;
      if (cs.pending > 0) --cs.pending;
      cs.sh->metrics->route_seconds.Observe(std::chrono::duration<double>(SteadyClock::now() - started).count());
      switch (reply.status) {
        case AppendReply::Status::kRouted: cs.sh->metrics->envelope("routed").Increment(); break;
        case AppendReply::Status::kReplayed: reject(self, v1::Error::REPLAYED_NONCE, *env); break;
        case AppendReply::Status::kFull: reject(self, v1::Error::MAILBOX_FULL, *env, reply.retry_after_ms); break;
        case AppendReply::Status::kRateLimited: reject(self, v1::Error::RATE_LIMITED, *env, reply.retry_after_ms); break;
        case AppendReply::Status::kUnavailable: reject(self, v1::Error::UNAVAILABLE, *env, reply.retry_after_ms); break;
        case AppendReply::Status::kInternal: reject(self, v1::Error::INTERNAL, *env, reply.retry_after_ms); break;
      }
    }});
  };
  ++st.pending;
  caf::anon_send(st.sh->appender_for(env->recipient()), append_atom::value, std::move(job));
}

void apply_pairings(ConnActor* self, const std::vector<PairingView>& fresh, bool notify);

void refresh_pairings(ConnActor* self) {
  auto& st = self->state;
  if (st.refreshing) return;
  st.refreshing = true;
  st.last_refresh = SteadyClock::now();
  auto auth = st.sh->auth;
  run_io(
      self, [auth, tenant = st.who.identity.tenant, device = st.who.identity.device] {
        return auth->pairings(tenant, device);
      },
      [self](const Result<std::vector<PairingView>>& fresh) {
        auto& cs = self->state;
        cs.refreshing = false;
        if (cs.phase != ConnState::Phase::kReady) return;
        if (fresh) {
          apply_pairings(self, *fresh, !cs.closing);
        } else {
          cs.sh->metrics->backend_error("pairings").Increment();
        }
        // Envelopes that waited for this refresh, in arrival order; no second refresh.
        auto waiting = std::move(cs.waiting);
        cs.waiting.clear();
        for (auto& env : waiting) {
          if (cs.phase != ConnState::Phase::kReady) return;
          if (!fresh && cs.pairings.find(env->recipient()) == cs.pairings.end()) {
            reject(self, v1::Error::UNAVAILABLE, *env, 1000);
            continue;
          }
          append(self, env);
        }
        if (cs.closing) finish(self, "peer");
      });
}

void on_envelope(ConnActor* self, std::shared_ptr<const v1::Envelope> env) {
  auto& st = self->state;
  if (st.draining) {
    reject(self, v1::Error::GOING_AWAY, *env);
    return;
  }
  if (st.pending + st.waiting.size() >= st.sh->options.max_pending) {
    st.sh->metrics->envelope("overloaded").Increment();
    if (const auto& audit = st.sh->options.audit) {
      audit->envelope_refused(st.audit_throttle, st.who.identity, "overloaded", true);
    }
    send_error(self, v1::Error::RATE_LIMITED, "too many envelopes in flight on this connection", env.get(), 1000,
               true);
    return;
  }
  const bool known = st.pairings.count(env->recipient()) > 0;
  if (st.waiting.empty() && known) {
    append(self, env);
    return;
  }
  // An unknown recipient may be a pairing claimed a moment ago: the envelope waits for
  // a refetch from auth, at most one per pairing_refresh_min (a sender naming strangers
  // costs auth one call per interval, and its envelopes wait within max_pending).
  st.waiting.push_back(std::move(env));
  if (st.refreshing || st.refresh_scheduled) return;
  const auto next = st.last_refresh + st.sh->options.pairing_refresh_min;
  const auto now = SteadyClock::now();
  if (now >= next) {
    refresh_pairings(self);
    return;
  }
  st.refresh_scheduled = true;
  self->delayed_send(self, std::chrono::duration_cast<std::chrono::milliseconds>(next - now) + std::chrono::milliseconds(1),
                     pairings_atom::value);
}

void on_ack(ConnActor* self, MboxOffset up_to) {
  auto& st = self->state;
  if (up_to > st.cursor) {
    send_error(self, v1::Error::MALFORMED, "ack beyond the last delivery", nullptr);
    return;
  }
  while (!st.unacked.empty() && st.unacked.front() <= up_to) st.unacked.pop_front();
  auto backend = st.sh->backend;
  run_io(
      self, [backend, device = st.who.identity.device, up_to] { return backend->ack(device, up_to); },
      [self](const Status& s) {
        if (!s) self->state.sh->metrics->backend_error("ack").Increment();
      });
  pump(self);
}

void send_presence(ConnActor* self, const std::string& peer, bool online, std::uint64_t since_ms) {
  v1::RelayFrame f;
  auto* p = f.mutable_presence();
  p->set_device(peer);
  p->set_kind(self->state.agent ? breakwater::common::v1::DEVICE_KIND_CLIENT : breakwater::common::v1::DEVICE_KIND_AGENT);
  p->set_state(online ? v1::Presence::ONLINE : v1::Presence::OFFLINE);
  p->set_since_ms(since_ms);
  send_frame(self, f);
}

void send_pairing_notice(ConnActor* self, const PairingView& p, v1::PairingNotice::Event event) {
  v1::RelayFrame f;
  auto* n = f.mutable_pairing();
  n->set_event(event);
  n->set_pairing_id(p.pairing_id);
  n->set_client_device(p.peer);
  n->set_client_user(p.client_user);
  n->set_role(p.role);
  n->set_at_ms(wall_ms());
  send_frame(self, f);
}

// Replaces the pairing map; with `notify`, an agent hears of pairings claimed or revoked.
void apply_pairings(ConnActor* self, const std::vector<PairingView>& fresh, bool notify) {
  auto& st = self->state;
  std::map<std::string, PairingView> next;
  for (const auto& p : fresh) next.emplace(p.peer, p);
  if (notify && st.agent) {
    for (const auto& [peer, p] : next) {
      if (!st.pairings.count(peer)) send_pairing_notice(self, p, v1::PairingNotice::CLAIMED);
    }
    for (const auto& [peer, p] : st.pairings) {
      if (!next.count(peer)) send_pairing_notice(self, p, v1::PairingNotice::REVOKED);
    }
  }
  st.pairings = std::move(next);
}

void schedule_expiry(ConnActor* self) {
  auto& st = self->state;
  const auto now = static_cast<std::int64_t>(wall_ms());
  const auto left = std::max<std::int64_t>(st.who.expires_at_ms - now, 0);
  if (st.who.expires_at_ms == INT64_MAX) return;
  self->delayed_send(self, std::chrono::milliseconds(left), expire_atom::value, st.credential_generation);
}

struct AuthAnswer {
  Result<MboxOffset> resume = MboxOffset{};
  Result<Authenticated> who = Error{kAuthUnavailable, "not asked"};
  Result<std::vector<PairingView>> pairings = std::vector<PairingView>{};
  Result<std::uint64_t> epoch = std::uint64_t{0};
};

void start_session(ConnActor* self, const AuthAnswer& answer) {
  auto& st = self->state;
  st.who = *answer.who;
  st.cursor = *answer.resume;
  apply_pairings(self, *answer.pairings, false);
  st.phase = ConnState::Phase::kReady;
  st.last_recheck = SteadyClock::now();
  st.last_refresh = SteadyClock::now();
  (st.agent ? st.sh->metrics->connections_grpc : st.sh->metrics->connections_ws).Increment();
  st.sh->metrics->connect(transport_of(self), "ok").Increment();
  v1::RelayFrame f;
  auto* w = f.mutable_welcome();
  w->set_tenant(st.who.identity.tenant);
  w->set_user(st.who.identity.user);
  w->set_device(st.who.identity.device);
  w->set_protocol_version(1);
  *w->mutable_resume_after() = to_proto(st.cursor);
  w->set_server_time_ms(wall_ms());
  auto* l = w->mutable_limits();
  l->set_max_envelope_bytes(st.sh->options.limits.max_envelope_bytes);
  l->set_max_clock_skew_ms(st.sh->options.limits.max_clock_skew_ms);
  l->set_max_unacked_deliveries(st.sh->options.max_unacked);
  l->set_ping_interval_ms(static_cast<std::uint32_t>(st.sh->options.ping_interval.count()));
  send_frame(self, f);
  schedule_expiry(self);
  Registration r{st.who.identity.device, st.id, caf::actor_cast<caf::actor>(self), {}};
  for (const auto& [peer, _] : st.pairings) r.peers.push_back(peer);
  caf::anon_send(st.sh->router, reg_atom::value, std::move(r));
}

void on_inbound(ConnActor* self, const Inbound& in);

void on_hello(ConnActor* self, const Inbound& in) {
  auto& st = self->state;
  if (in.type != Inbound::Type::kHello) {
    st.sh->metrics->connect(transport_of(self), "no_hello").Increment();
    send_error(self, v1::Error::UNAUTHENTICATED, "the first frame must be Hello", nullptr, 0, true);
    return;
  }
  if (in.protocol_version != 1) {
    st.sh->metrics->connect(transport_of(self), "bad_version").Increment();
    send_error(self, v1::Error::BAD_VERSION, "only protocol version 1 is spoken", nullptr, 0, true);
    return;
  }
  st.phase = ConnState::Phase::kAuth;
  st.credential = in.credential;
  st.cursor = in.offset;
  auto auth = st.sh->auth;
  auto backend = st.sh->backend;
  run_io(
      self, [auth, backend, agent = st.agent, credential = in.credential, device = in.device,
             resume_after = in.offset] {
        AuthAnswer a;
        a.who = agent ? auth->validate_agent(credential) : auth->validate_client(credential, device);
        if (!a.who) return a;
        a.pairings = auth->pairings(a.who->identity.tenant, a.who->identity.device);
        if (!agent) a.epoch = backend->revocation_epoch(a.who->identity.tenant, a.who->identity.user);
        a.resume = backend->resume_point(a.who->identity.device, resume_after);
        return a;
      },
      [self](const AuthAnswer& a) {
        auto& cs = self->state;
        if (cs.phase != ConnState::Phase::kAuth) return;
        // AuthLink errors say refused or unavailable; Redis errors are always unavailable.
        const Error* failure = !a.who        ? &a.who.error()
                               : !a.pairings ? &a.pairings.error()
                               : !a.epoch    ? &a.epoch.error()
                               : !a.resume   ? &a.resume.error()
                                             : nullptr;
        bool refused = failure != nullptr && (!a.who || !a.pairings) && failure->code == kAuthRefused;
        if (failure == nullptr && *a.epoch > a.who->revocation_epoch) {
          static const Error revoked{kAuthRefused, "credential revoked"};
          failure = &revoked;
          refused = true;
        }
        if (failure != nullptr) {
          cs.sh->metrics->connect(transport_of(self), refused ? "unauthenticated" : "unavailable").Increment();
          if (refused) {
            if (const auto& audit = cs.sh->options.audit) audit->auth_failed(transport_of(self));
            send_error(self, v1::Error::UNAUTHENTICATED, "credential refused", nullptr, 0, true);
          } else {
            cs.sh->metrics->backend_error("authenticate").Increment();
            send_error(self, v1::Error::UNAVAILABLE, "authentication is unavailable, retry", nullptr, 1000, true);
          }
          return;
        }
        start_session(self, a);
        auto early = std::move(cs.early);
        cs.early.clear();
        for (const auto& frame : early) on_inbound(self, frame);
      });
}

void on_token(ConnActor* self, const Inbound& in) {
  auto& st = self->state;
  if (st.agent) {
    send_error(self, v1::Error::MALFORMED, "token refresh is for clients", nullptr);
    return;
  }
  auto auth = st.sh->auth;
  run_io(
      self, [auth, credential = in.credential, device = st.who.identity.device] {
        return auth->validate_client(credential, device);
      },
      [self, credential = in.credential](const Result<Authenticated>& who) {
        auto& cs = self->state;
        if (cs.phase != ConnState::Phase::kReady) return;
        if (!who || who->identity.user != cs.who.identity.user || who->identity.tenant != cs.who.identity.tenant) {
          cs.sh->metrics->recheck("token_refused").Increment();
          send_error(self, v1::Error::UNAUTHENTICATED, "token refused", nullptr, 0, true);
          return;
        }
        cs.sh->metrics->recheck("token_refreshed").Increment();
        cs.credential = credential;
        cs.who.expires_at_ms = who->expires_at_ms;
        cs.who.revocation_epoch = std::max(cs.who.revocation_epoch, who->revocation_epoch);
        ++cs.credential_generation;
        schedule_expiry(self);
      });
}

void on_inbound(ConnActor* self, const Inbound& in) {
  auto& st = self->state;
  st.last_in = SteadyClock::now();
  switch (st.phase) {
    case ConnState::Phase::kHello: on_hello(self, in); return;
    case ConnState::Phase::kAuth:
      if (st.early.size() >= st.sh->options.max_pending) {
        send_error(self, v1::Error::RATE_LIMITED, "too many frames before Welcome", nullptr, 1000, true);
        return;
      }
      st.early.push_back(in);
      return;
    case ConnState::Phase::kClosed: return;
    case ConnState::Phase::kReady: break;
  }
  switch (in.type) {
    case Inbound::Type::kHello:
      send_error(self, v1::Error::UNAUTHENTICATED, "a second Hello", nullptr, 0, true);
      return;
    case Inbound::Type::kEnvelope: on_envelope(self, in.envelope); return;
    case Inbound::Type::kAck: on_ack(self, in.offset); return;
    case Inbound::Type::kPing: {
      v1::RelayFrame f;
      f.mutable_pong()->set_id(in.ping_id);
      f.mutable_pong()->set_sent_at_ms(wall_ms());
      send_frame(self, f);
      return;
    }
    case Inbound::Type::kPong: return;
    case Inbound::Type::kToken: on_token(self, in); return;
  }
}

// Device token at auth (agents) or the user's epoch (clients), and the live pairings.
void recheck(ConnActor* self) {
  auto& st = self->state;
  if (st.rechecking) return;
  st.rechecking = true;
  st.last_recheck = SteadyClock::now();
  auto auth = st.sh->auth;
  auto backend = st.sh->backend;
  run_io(
      self, [auth, backend, agent = st.agent, credential = st.credential, who = st.who] {
        AuthAnswer a;
        if (agent) {
          a.who = auth->validate_agent(credential);
        } else {
          a.who = who;
          a.epoch = backend->revocation_epoch(who.identity.tenant, who.identity.user);
        }
        if (a.who) a.pairings = auth->pairings(who.identity.tenant, who.identity.device);
        return a;
      },
      [self](const AuthAnswer& a) {
        auto& cs = self->state;
        cs.rechecking = false;
        if (cs.phase != ConnState::Phase::kReady) return;
        const bool refused = (!a.who && a.who.error().code == kAuthRefused) ||
                             (a.epoch && *a.epoch > cs.who.revocation_epoch) ||
                             (a.who && a.who->identity.device != cs.who.identity.device);
        if (refused) {
          cs.sh->metrics->recheck("revoked").Increment();
          go_away(self, v1::GoAway::DEVICE_REVOKED, "credential revoked", 0);
          return;
        }
        if (!a.who || !a.epoch || !a.pairings) {
          cs.sh->metrics->recheck("unavailable").Increment();
          return;  // kept: tried again next interval; nothing is admitted meanwhile that was not before
        }
        cs.sh->metrics->recheck("ok").Increment();
        apply_pairings(self, *a.pairings, true);
        if (!cs.agent && cs.pairings.empty()) go_away(self, v1::GoAway::DEVICE_REVOKED, "no live pairing", 0);
      });
}

void on_tick(ConnActor* self) {
  auto& st = self->state;
  if (st.phase == ConnState::Phase::kClosed) return;
  const auto now = SteadyClock::now();
  if (now - st.last_in > st.sh->options.idle_timeout) {
    finish(self, "idle");
    return;
  }
  const auto next = next_tick(*st.sh);
  self->delayed_send(self, next, tick_atom::value);
  if (st.phase != ConnState::Phase::kReady) return;
  v1::RelayFrame f;
  f.mutable_ping()->set_id(++st.pings);
  f.mutable_ping()->set_sent_at_ms(wall_ms());
  send_frame(self, f);
  st.wake = true;
  pump(self);
  // At the last tick before recheck_interval has passed, rather than at the first one after it.
  if (now + next - st.last_recheck > st.sh->options.recheck_interval) recheck(self);
}

caf::behavior connection(ConnActor* self, std::shared_ptr<Relay::Shared> sh, std::shared_ptr<Outbound> out) {
  auto& st = self->state;
  st.sh = std::move(sh);
  st.out = std::move(out);
  st.agent = std::string_view(st.out->transport()) == "grpc";
  st.id = st.sh->options.pod_id + "-" + std::to_string(++st.sh->next_connection);
  st.last_in = SteadyClock::now();
  self->delayed_send(self, st.sh->options.hello_timeout, hello_atom::value);
  self->delayed_send(self, next_tick(*st.sh, true), tick_atom::value);
  return {
      [self](in_atom, const Inbound& in) { on_inbound(self, in); },
      [self](gone_atom) {
        auto& cs = self->state;
        if (cs.phase == ConnState::Phase::kReady && !cs.waiting.empty()) {
          // What the peer sent before it left still gets routed: refetch now (no wait for
          // the rate limit, once per connection) and close after the waiting envelopes.
          cs.closing = true;
          if (!cs.refreshing) refresh_pairings(self);
          return;
        }
        finish(self, "peer");
      },
      [self](done_atom, Done& d) { d.apply(); },
      [self](wake_atom) {
        self->state.wake = true;
        pump(self);
      },
      [self](mail_atom, ChannelEvent& ev) { on_mail(self, ev); },
      [self](regdone_atom) {
        self->state.registered = true;
        self->state.wake = true;
        pump(self);
        // Presence: who of my peers is online now, and tell them I am.
        auto& cs = self->state;
        std::vector<std::string> peers;
        for (const auto& [peer, _] : cs.pairings) peers.push_back(peer);
        if (peers.empty()) return;
        auto backend = cs.sh->backend;
        run_io(
            self, [backend, peers, device = cs.who.identity.device] {
              (void)backend->publish_presence(peers, device, true, wall_ms());
              return backend->online(peers);
            },
            [self, peers](const Result<std::vector<bool>>& online) {
              if (!online) {
                self->state.sh->metrics->backend_error("presence").Increment();
                return;
              }
              for (std::size_t i = 0; i < peers.size() && i < online->size(); ++i) {
                send_presence(self, peers[i], (*online)[i], wall_ms());
              }
            });
      },
      [self](chan_atom, const ChannelEvent& ev) {
        if (ev.type == ChannelEvent::Type::kPresence && self->state.pairings.count(ev.peer)) {
          send_presence(self, ev.peer, ev.online, ev.since_ms);
        }
      },
      [self](kick_atom, const Kick& k) {
        go_away(self, k.reason, k.reason == v1::GoAway::DRAINING ? "the relay is restarting; reconnect"
                                                                 : "another connection took over",
                k.reason == v1::GoAway::DRAINING ? 250 + jitter_ms(1000) : 0);
      },
      [self](tick_atom) { on_tick(self); },
      [self](pairings_atom) {
        self->state.refresh_scheduled = false;
        if (self->state.phase == ConnState::Phase::kReady) refresh_pairings(self);
      },
      [self](expire_atom, std::uint64_t generation) {
        if (generation == self->state.credential_generation && self->state.phase == ConnState::Phase::kReady) {
          go_away(self, v1::GoAway::CREDENTIALS_EXPIRED, "the credential expired", 0);
        }
      },
      [self](hello_atom) {
        if (self->state.phase == ConnState::Phase::kHello) {
          self->state.sh->metrics->connect(transport_of(self), "hello_timeout").Increment();
          send_error(self, v1::Error::UNAUTHENTICATED, "no Hello in time", nullptr, 0, true);
        }
      },
      [self](close_atom, const std::string& reason) { finish(self, reason); },
  };
}

// ---- the router: one per pod ----

struct RouterState {
  std::shared_ptr<Relay::Shared> sh;
  struct Entry {
    caf::actor actor;
    std::string connection;
  };
  std::unordered_map<std::string, Entry> by_device;
  bool draining = false;
  static inline const char* name = "relay_router";
};

using RouterActor = caf::stateful_actor<RouterState>;

void router_io(RouterActor* self, std::function<void()> work) {
  self->state.sh->io->post(std::move(work));
}

caf::behavior router(RouterActor* self, std::shared_ptr<Relay::Shared> sh) {
  self->state.sh = std::move(sh);
  self->delayed_send(self, std::chrono::seconds(10), refresh_atom::value);
  return {
      [self](reg_atom, Registration& r) {
        auto& st = self->state;
        if (st.draining) {
          caf::anon_send(r.actor, kick_atom::value, Kick{v1::GoAway::DRAINING, {}});
          return;
        }
        if (auto it = st.by_device.find(r.device); it != st.by_device.end() && it->second.connection != r.connection) {
          caf::anon_send(it->second.actor, kick_atom::value, Kick{v1::GoAway::SUPERSEDED, r.connection});
        }
        st.by_device[r.device] = {r.actor, r.connection};
        auto backend = st.sh->backend;
        auto metrics = st.sh->metrics.get();
        router_io(self, [backend, metrics, r] {
          backend->subscribe(r.device);
          if (!backend->claim(r.device, r.connection)) metrics->backend_error("claim").Increment();
          caf::anon_send(r.actor, regdone_atom::value);
        });
      },
      [self](unreg_atom, Registration& r) {
        auto& st = self->state;
        auto it = st.by_device.find(r.device);
        if (it == st.by_device.end() || it->second.connection != r.connection) return;  // superseded already
        st.by_device.erase(it);
        auto backend = st.sh->backend;
        auto metrics = st.sh->metrics.get();
        router_io(self, [backend, metrics, r] {
          backend->unsubscribe(r.device);
          if (!backend->release(r.device, r.connection)) metrics->backend_error("release").Increment();
          if (!r.peers.empty()) (void)backend->publish_presence(r.peers, r.device, false, wall_ms());
        });
      },
      [self](chan_atom, const std::string& device, ChannelEvent& ev) {
        auto& st = self->state;
        auto it = st.by_device.find(device);
        if (it == st.by_device.end()) return;
        st.sh->metrics->notifications.Increment();
        switch (ev.type) {
          case ChannelEvent::Type::kMailbox:
            if (!ev.envelope.empty()) {
              caf::anon_send(it->second.actor, mail_atom::value, std::move(ev));
              return;
            }
            [[fallthrough]];
          case ChannelEvent::Type::kResync: caf::anon_send(it->second.actor, wake_atom::value); return;
          case ChannelEvent::Type::kPresence: caf::anon_send(it->second.actor, chan_atom::value, ev); return;
          case ChannelEvent::Type::kKick:
            if (ev.connection != it->second.connection) {
              caf::anon_send(it->second.actor, kick_atom::value, Kick{v1::GoAway::SUPERSEDED, ev.connection});
            }
            return;
        }
      },
      [self](drain_atom) {
        auto& st = self->state;
        st.draining = true;
        for (const auto& [_, e] : st.by_device) caf::anon_send(e.actor, kick_atom::value, Kick{v1::GoAway::DRAINING, {}});
      },
      [self](refresh_atom) {
        auto& st = self->state;
        self->delayed_send(self, std::chrono::seconds(10), refresh_atom::value);
        if (st.by_device.empty()) return;
        std::vector<std::pair<std::string, std::string>> held;
        held.reserve(st.by_device.size());
        for (const auto& [device, e] : st.by_device) held.emplace_back(device, e.connection);
        auto backend = st.sh->backend;
        auto metrics = st.sh->metrics.get();
        caf::actor me = caf::actor_cast<caf::actor>(self);
        router_io(self, [backend, metrics, me, held = std::move(held)] {
          auto lost = backend->refresh(held);
          if (!lost) {
            metrics->backend_error("presence_refresh").Increment();
            return;
          }
          // Another connection owns these now and its kick was missed: treat as one.
          for (const auto& device : *lost) {
            ChannelEvent ev;
            ev.type = ChannelEvent::Type::kKick;
            ev.connection = "(refresh)";
            caf::anon_send(me, chan_atom::value, device, ev);
          }
        });
      },
  };
}

}  // namespace

std::chrono::milliseconds tick_delay(std::chrono::milliseconds interval, double unit, bool first) {
  const double u = std::clamp(unit, 0.0, 1.0);
  const auto less = static_cast<std::chrono::milliseconds::rep>(u * static_cast<double>(interval.count()) / (first ? 2 : 5));
  return std::max(interval - std::chrono::milliseconds(less), std::chrono::milliseconds(1));
}

// ---- Relay ----

Relay::Relay(std::shared_ptr<RelayBackend> backend, std::shared_ptr<AuthLink> auth,
             std::shared_ptr<quota::QuotaClient> quota, metrics::Factory& metrics, RelayOptions options,
             std::size_t threads)
    : shared_(std::make_shared<Shared>(threads)) {
  auto& sh = *shared_;
  sh.backend = std::move(backend);
  sh.auth = std::move(auth);
  sh.quota = std::move(quota);
  sh.metrics = std::make_unique<RelayMetrics>(metrics);
  sh.options = std::move(options);
  sh.io = std::make_unique<IoPool>(std::max<std::size_t>(sh.options.io_actors, 1));
  for (std::size_t i = 0; i < std::max<std::size_t>(sh.options.appenders, 1); ++i) {
    sh.appenders.push_back(sh.system->spawn<caf::detached>(appender_loop, shared_));
  }
  sh.router = sh.system->spawn(router, shared_);
}

Relay::~Relay() {
  auto& sh = *shared_;
  std::set<caf::actor> live;
  {
    std::lock_guard lock(sh.live_mu);
    live.swap(sh.live);
  }
  for (const auto& a : live) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(sh.router, caf::exit_reason::user_shutdown);
  for (const auto& a : sh.appenders) caf::anon_send(a, stop_atom::value);
  sh.io->stop();
  sh.router = caf::actor{};
  sh.appenders.clear();
  sh.system.reset();  // waits for every actor
}

Relay::InboundFn Relay::open(std::shared_ptr<Outbound> out) {
  auto& sh = *shared_;
  auto actor = sh.system->spawn(connection, shared_, std::move(out));
  sh.open_connections++;
  {
    std::lock_guard lock(sh.live_mu);
    sh.live.insert(actor);
  }
  return [actor](const Inbound* in) {
    if (in != nullptr) {
      caf::anon_send(actor, in_atom::value, *in);
    } else {
      caf::anon_send(actor, gone_atom::value);
    }
  };
}

void Relay::notify(const std::string& device, const ChannelEvent& event) {
  caf::anon_send(shared_->router, chan_atom::value, device, event);
}

void Relay::drain() { caf::anon_send(shared_->router, drain_atom::value); }

std::size_t Relay::connections() const { return shared_->open_connections.load(); }

std::size_t Relay::io_queued() const { return shared_->io->queued(); }

}  // namespace bw::relay
