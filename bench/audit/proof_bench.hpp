// Proof generation at a large tree size (issue 7): one tenant's log on SQLite is filled with
// `entries` leaves through the store's batched append (fill_batch rows per transaction; real
// RFC 6962 leaf hashes of ~200-byte canonical-sized leaf data), then proofs come from a
// TenantLog, as the service's gRPC handlers get them:
//  - cold: the first inclusion proof of a TenantLog just made (as after a restart): it loads
//    the log's size and rebuilds the TileCache from every leaf hash of the log;
//  - warm: `samples` inclusion proofs (random leaf, tree of `entries`) and as many
//    consistency proofs (random first size, second = `entries`) on that same TenantLog.
// Beside each, the raw baseline: the very leaf-hash ranges the proof read (recorded by the
// RecordingStore), read again straight from the store, with no hashing.
// Also: how long one TenantLog::append of one event takes when it is issued 100 ms into a
// cold proof of the same log (a proof after a restart must not stall that tenant's writes),
// beside the same append on the idle log.
#pragma once

#include <cstdint>
#include <vector>

#include "bed.hpp"
#include "closed_loop.hpp"

namespace bw::bench::audit {

struct ProofOptions {
  std::uint64_t entries = 1'000'000;
  int samples = 300;
  int cold_runs = 3;
  int fill_batch = 10'000;
};

struct ProofReport {
  std::uint64_t entries = 0;
  double fill_seconds = 0;         // wall time of the whole fill (rows made + appended)
  double fill_append_seconds = 0;  // of which in Store::append
  std::vector<double> cold_ms;     // first proof of a fresh TenantLog, per run
  std::vector<double> cold_read_ms;  // its leaf-hash reads alone, straight from the store
  std::uint64_t cold_leaves_read = 0;
  LatencySummary inclusion, inclusion_read;
  LatencySummary consistency, consistency_read;
  double inclusion_leaves_read = 0, consistency_leaves_read = 0;  // per proof, average
  double append_during_cold_ms = 0, append_idle_ms = 0;
  bool verified = false;  // a warm inclusion and consistency proof checked against the root
};

// Fills a tenant on `bed` (SQLite) and measures. Errors: the store's or the log's.
Result<ProofReport> run_proof_bench(Bed& bed, const ProofOptions& options);

}  // namespace bw::bench::audit
