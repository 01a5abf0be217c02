// Durable appends per second through the audit service's real path, in process: N producer
// threads each call AuditGrpcService::Append (the gRPC handler itself, without a network or
// TLS) with batches of B events of one tenant; the handler validates and converts them, the
// tenant's LogActors actor group-commits whatever queued while a commit was in flight (up to
// max_batch), and Append returns once the transaction is durable. Checkpoints (every 1000
// events or 10 s, the service's defaults) are signed and stored on the way, as in service.
//
// Beside each cell, the raw baseline: a bare batched insert (bare_insert.hpp) of the rows the
// service itself stored, on the same database with the same durability, one transaction at
// a time with as many rows per transaction as the service averaged in that cell.
#pragma once

#include <vector>

#include "bed.hpp"
#include "closed_loop.hpp"
#include "tenant_log.hpp"

namespace bw::bench::audit {

struct AppendOptions {
  Timing timing;
  std::vector<int> producers{1, 4, 16};
  int batch = 100;  // events per Append request
  // Event ids as producers make them (time-ordered, bw/time_ordered_id.hpp), or 16 random
  // bytes (a client that ignores that: every id lands on a random page of the id index).
  bool random_ids = false;
  // The service's audit.checkpoint_every (events between signed checkpoints).
  std::uint64_t checkpoint_every = auditsvc::TenantLogOptions{}.checkpoint_every;
};

struct AppendCell {
  int producers = 0;
  CellResult service;             // units: events durably appended (not duplicates)
  double events_per_commit = 0;   // the service's average over the cell (warm-up included)
  CellResult bare;                // units: rows inserted bare
  int bare_rows_per_commit = 0;
  // The service cell's store calls (warm-up included) and its wall time, for where it goes.
  RecordingStore::Appends calls;
  double wall_s = 0;
};

// One cell per producer count on `bed` (a fresh tenant per cell). Errors: setting up.
Result<std::vector<AppendCell>> run_append_cells(Bed& bed, const AppendOptions& options);

}  // namespace bw::bench::audit
