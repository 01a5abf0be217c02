// LogActors: one CAF actor per active tenant log, so that each tenant's appends are
// serialised (leaf indexes are dense and assigned in arrival order) while different tenants
// commit independently.
//
// Group commit: a tenant actor hands at most one job at a time to a small pool of blocking
// worker actors (SQL is blocking; the scheduler threads never wait on it). While a commit
// is in flight, later batches queue in the actor; when it finishes, everything queued (up
// to max_batch events) goes out as the next single transaction. Under load, many callers
// share one durable commit; idle, a batch commits at once.
//
// Checkpoints: after each commit, and on a timer per tenant, the actor asks its log whether
// a checkpoint is due (every N events or T seconds, see TenantLog) and writes it in a worker
// job, never concurrently with that tenant's commit.
//
// Thread-safety: append() may be called from any thread (the gRPC handlers); it blocks the
// caller, not an actor, until the batch is durable or the deadline passes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "tenant_log.hpp"

namespace bw::auditsvc {

// What the actors report, for metrics (called on worker threads; may be empty).
struct LogActorsHooks {
  // One transaction: how many events, from how many callers, how long, and whether it held.
  std::function<void(std::size_t events, std::size_t callers, double seconds, bool ok)> committed;
  // One checkpoint written (true) or failed (false).
  std::function<void(bool ok)> checkpointed;
};

struct LogActorsOptions {
  std::size_t workers = 2;                              // blocking SQL workers
  std::size_t max_batch = 1000;                         // events per transaction at most
  std::chrono::milliseconds tick{1000};                 // how often idle logs consider a checkpoint
  LogActorsHooks hooks;
};

class LogActors {
 public:
  // open_log(tenant) makes the TenantLog for a tenant the first time it is used.
  LogActors(std::function<std::shared_ptr<TenantLog>(const TenantId&)> open_log, LogActorsOptions options);
  ~LogActors();
  LogActors(const LogActors&) = delete;
  LogActors& operator=(const LogActors&) = delete;

  // Queues items for their tenant's log; the future holds where each landed (in order), or
  // the commit's error. Items of one call commit together in one transaction.
  std::future<Result<std::vector<Placement>>> append(const TenantId& tenant, std::vector<AppendItem> items);

  // The tenant's log (opened if needed), for reads: proofs, checkpoints.
  std::shared_ptr<TenantLog> log(const TenantId& tenant);

  // Stops every actor after its queued work (idempotent).
  void stop();

  struct Impl;  // shared with the actors (log_actors.cpp)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace bw::auditsvc
