// See log_actors.hpp.
#include "log_actors.hpp"

#include <caf/all.hpp>

#include <deque>
#include <map>
#include <mutex>

#include "bw/log/log.hpp"
#include "errors.hpp"
#include "type_ids.hpp"

namespace bw::auditsvc {
namespace {

TimeMs wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- messages between actors (local only: never serialised) ----

using AppendReply = std::promise<Result<std::vector<Placement>>>;

struct AppendJob {
  std::vector<AppendItem> items;
  std::shared_ptr<AppendReply> reply;
};
struct WorkerJob {
  std::function<void()> run;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AppendJob&) {
  return f(caf::meta::type_name("AppendJob"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, WorkerJob&) {
  return f(caf::meta::type_name("WorkerJob"));
}

// A blocking worker: runs jobs (SQL) off the scheduler threads. (The index argument is
// unused; CAF 0.17 dereferences a null argument tuple for an actor function without one.)
void worker_loop(caf::blocking_actor* self, std::size_t /*index*/) {
  bool running = true;
  self->receive_while(running)([](job_atom, WorkerJob& job) { job.run(); }, [&](stop_atom) { running = false; });
}

}  // namespace

struct LogActors::Impl {
  explicit Impl(LogActorsOptions o) : options(o) {
    cfg.set("logger.verbosity", caf::atom("quiet"));
    // The tenant actors only queue and hand out work (microseconds per message; the SQL runs
    // on the detached workers), so one scheduler thread that sleeps on a condition variable
    // when idle is enough. CAF's default (work stealing, 4 threads here) polls between
    // messages with 50 µs sleeps: in audit_bench at 16 producers that was ~17% of the
    // process's CPU samples, on two cores the commits need.
    cfg.set("scheduler.policy", caf::atom("sharing"));
    cfg.set("scheduler.max-threads", std::size_t{1});
    system = std::make_unique<caf::actor_system>(cfg);
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options.workers); ++i) {
      workers.push_back(system->spawn<caf::detached>(worker_loop, i));
    }
  }

  const caf::actor& pick_worker() {
    std::lock_guard lock(mu);
    return workers[next_worker++ % workers.size()];
  }

  LogActorsOptions options;
  std::function<std::shared_ptr<TenantLog>(const TenantId&)> open_log;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  std::vector<caf::actor> workers;
  std::mutex mu;  // guards below
  std::size_t next_worker = 0;
  bool stopped = false;
  std::map<TenantId, std::pair<std::shared_ptr<TenantLog>, caf::actor>> tenants;
};

namespace {

// ---- the tenant log actor ----

struct TenantState {
  static inline const char* name = "audit_tenant_log";
  std::shared_ptr<TenantLog> log;
  std::shared_ptr<LogActors::Impl> impl;
  std::deque<AppendJob> queued;
  bool busy = false;  // a worker is committing or checkpointing for this log
};
using TenantActor = caf::stateful_actor<TenantState>;

// Commits the items of several callers in one transaction and answers each its share.
void commit(TenantLog& log, std::vector<AppendJob>& jobs, const LogActorsHooks& hooks) {
  std::vector<AppendItem> items;
  std::vector<std::size_t> counts;
  for (auto& j : jobs) {
    counts.push_back(j.items.size());
    std::move(j.items.begin(), j.items.end(), std::back_inserter(items));
  }
  const std::size_t events = items.size();
  const auto start = std::chrono::steady_clock::now();
  auto placed = log.append(std::move(items), wall_ms());
  if (hooks.committed) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    hooks.committed(events, jobs.size(), took.count(), placed.ok());
  }
  std::size_t at = 0;
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    if (!placed) {
      jobs[k].reply->set_value(placed.error());
      continue;
    }
    const auto first = placed->begin() + static_cast<std::ptrdiff_t>(at);
    jobs[k].reply->set_value(std::vector<Placement>(first, first + static_cast<std::ptrdiff_t>(counts[k])));
    at += counts[k];
  }
}

// Sends the next unit of work to a worker, if there is any and none is in flight.
void kick(TenantActor* self, bool tick) {
  auto& st = self->state;
  if (st.busy) return;
  std::vector<AppendJob> batch;
  std::size_t events = 0;
  while (!st.queued.empty() && (batch.empty() || events + st.queued.front().items.size() <= st.impl->options.max_batch)) {
    events += st.queued.front().items.size();
    batch.push_back(std::move(st.queued.front()));
    st.queued.pop_front();
  }
  if (batch.empty() && !(tick && st.log->checkpoint_due(wall_ms()))) return;
  st.busy = true;
  auto home = caf::actor_cast<caf::actor>(self);
  auto jobs = std::make_shared<std::vector<AppendJob>>(std::move(batch));
  WorkerJob job{[log = st.log, jobs, home, impl = st.impl] {
    const auto& hooks = impl->options.hooks;
    if (!jobs->empty()) commit(*log, *jobs, hooks);
    const TimeMs now = wall_ms();
    if (log->checkpoint_due(now)) {
      auto written = log->write_checkpoint(now);
      if (!written) log::warn("checkpoint failed", {{"error", written.error().message}});
      if (hooks.checkpointed) hooks.checkpointed(written.ok());
    }
    caf::anon_send(home, done_atom::value);
  }};
  caf::anon_send(st.impl->pick_worker(), job_atom::value, std::move(job));
}

caf::behavior tenant_actor(TenantActor* self, std::shared_ptr<TenantLog> log, std::shared_ptr<LogActors::Impl> impl) {
  self->state.log = std::move(log);
  self->state.impl = std::move(impl);
  self->delayed_send(self, self->state.impl->options.tick, tick_atom::value);
  return {
      [=](append_atom, AppendJob& job) {
        self->state.queued.push_back(std::move(job));
        kick(self, false);
      },
      [=](done_atom) {
        self->state.busy = false;
        kick(self, false);
      },
      [=](tick_atom) {
        kick(self, true);
        self->delayed_send(self, self->state.impl->options.tick, tick_atom::value);
      },
  };
}

}  // namespace

LogActors::LogActors(std::function<std::shared_ptr<TenantLog>(const TenantId&)> open_log, LogActorsOptions options)
    : impl_(std::make_shared<Impl>(options)) {
  impl_->open_log = std::move(open_log);
}

LogActors::~LogActors() { stop(); }

std::shared_ptr<TenantLog> LogActors::log(const TenantId& tenant) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->tenants.find(tenant);
  if (it != impl_->tenants.end()) return it->second.first;
  auto log = impl_->open_log(tenant);
  caf::actor actor;
  if (!impl_->stopped) actor = impl_->system->spawn(tenant_actor, log, impl_);
  impl_->tenants.emplace(tenant, std::make_pair(log, actor));
  return log;
}

std::future<Result<std::vector<Placement>>> LogActors::append(const TenantId& tenant, std::vector<AppendItem> items) {
  auto reply = std::make_shared<AppendReply>();
  auto future = reply->get_future();
  (void)log(tenant);
  caf::actor actor;
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stopped) actor = impl_->tenants.at(tenant).second;
  }
  if (!actor) {
    reply->set_value(make_error(Errc::kUnavailable, "the audit log is shutting down"));
    return future;
  }
  caf::anon_send(actor, append_atom::value, AppendJob{std::move(items), reply});
  return future;
}

void LogActors::stop() {
  std::vector<caf::actor> actors;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    for (auto& [tenant, entry] : impl_->tenants) {
      if (entry.second) actors.push_back(entry.second);
    }
  }
  for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  for (auto& w : impl_->workers) caf::anon_send(w, stop_atom::value);
  impl_->system->await_all_actors_done();
}

}  // namespace bw::auditsvc
