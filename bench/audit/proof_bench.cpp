// See proof_bench.hpp.
#include "proof_bench.hpp"

#include <algorithm>
#include <future>
#include <random>
#include <thread>

#include "bw/audit/merkle.hpp"
#include "tenant_log.hpp"

namespace bw::bench::audit {
namespace {

using Clock = std::chrono::steady_clock;
using Reads = std::vector<std::pair<std::int64_t, std::int64_t>>;

constexpr std::size_t kLeafDataBytes = 200;  // about a canonical auth event's encoding

store::Entry make_row(const auditsvc::TenantId& tenant, std::uint64_t index, std::mt19937_64& rng) {
  store::Entry e;
  e.tenant = tenant;
  e.leaf_index = static_cast<std::int64_t>(index);
  for (auto& b : e.event_id) b = static_cast<std::uint8_t>(rng());
  e.event_time_ms = 1'800'000'000'000 + e.leaf_index;
  e.actor_kind = 1;
  e.actor_id = Bytes(16, static_cast<std::uint8_t>(index % 50));
  e.action = "auth.login";
  e.result = 1;
  e.target_type = "user";
  e.target_id = Bytes(16, 7);
  e.producer = "auth";
  e.leaf_data.resize(kLeafDataBytes);
  for (auto& b : e.leaf_data) b = static_cast<std::uint8_t>(rng());
  e.leaf_hash = bw::audit::leaf_hash(e.leaf_data);
  e.recorded_at_ms = e.event_time_ms;
  return e;
}

Status fill(Bed& bed, const auditsvc::TenantId& tenant, const ProofOptions& o, ProofReport& r) {
  std::mt19937_64 rng(7);
  const auto t0 = Clock::now();
  std::vector<store::Entry> rows;
  for (std::uint64_t at = 0; at < o.entries;) {
    const std::uint64_t n = std::min<std::uint64_t>(static_cast<std::uint64_t>(o.fill_batch), o.entries - at);
    rows.clear();
    for (std::uint64_t i = 0; i < n; ++i) rows.push_back(make_row(tenant, at + i, rng));
    const auto t1 = Clock::now();
    if (auto st = bed.store->append(rows); !st) return st;
    r.fill_append_seconds += seconds_since(t1);
    at += n;
  }
  r.fill_seconds = seconds_since(t0);
  return {};
}

// Reads the same ranges straight from the store; returns the leaves read (0 on an error).
std::uint64_t replay(Bed& bed, const auditsvc::TenantId& tenant, const Reads& reads) {
  std::uint64_t leaves = 0;
  for (const auto& [b, e] : reads) {
    auto h = bed.store->leaf_hashes(tenant, b, e);
    if (!h) return 0;
    leaves += h->size();
  }
  bed.store->take_reads();  // the replay's own reads are not a proof's
  return leaves;
}

double ms_since(Clock::time_point t0) { return seconds_since(t0) * 1e3; }

// Times op() and, beside it, the replay of the leaf hashes it read.
template <class Op>
Status timed(Bed& bed, const auditsvc::TenantId& tenant, Op op, LatencySamples& proof, LatencySamples& read,
             double& leaves) {
  bed.store->take_reads();
  auto t0 = Clock::now();
  if (auto st = op(); !st) return st;
  proof.add(Clock::now() - t0);
  const Reads reads = bed.store->take_reads();
  t0 = Clock::now();
  leaves += static_cast<double>(replay(bed, tenant, reads));
  read.add(Clock::now() - t0);
  return {};
}

Status warm(Bed& bed, auditsvc::TenantLog& log, const ProofOptions& o, ProofReport& r) {
  const std::uint64_t n = o.entries;
  std::mt19937_64 rng(11);
  LatencySamples inc, inc_read, con, con_read;
  for (int s = 0; s < o.samples; ++s) {
    const std::uint64_t index = rng() % n;
    auto st = timed(bed, log.tenant(), [&]() -> Status {
      auto p = log.inclusion_proof(index, n);
      return p ? Status{} : Status{p.error()};
    }, inc, inc_read, r.inclusion_leaves_read);
    if (!st) return st;
  }
  for (int s = 0; s < o.samples; ++s) {
    const std::uint64_t first = 1 + rng() % (n - 1);
    auto st = timed(bed, log.tenant(), [&]() -> Status {
      auto p = log.consistency_proof(first, n);
      return p ? Status{} : Status{p.error()};
    }, con, con_read, r.consistency_leaves_read);
    if (!st) return st;
  }
  r.inclusion = inc.summarize();
  r.inclusion_read = inc_read.summarize();
  r.consistency = con.summarize();
  r.consistency_read = con_read.summarize();
  r.inclusion_leaves_read /= o.samples;
  r.consistency_leaves_read /= o.samples;
  return {};
}

// Checks one inclusion and one consistency proof against the roots (outside any timing).
bool verify_some(Bed& bed, auditsvc::TenantLog& log, std::uint64_t n) {
  const std::uint64_t index = n / 3, first = n / 2 + 1;
  auto root = log.root(n);
  auto old_root = log.root(first);
  auto leaf = bed.store->leaf_hashes(log.tenant(), static_cast<std::int64_t>(index), static_cast<std::int64_t>(index) + 1);
  auto inc = log.inclusion_proof(index, n);
  auto con = log.consistency_proof(first, n);
  if (!root || !old_root || !leaf || !inc || !con) return false;
  return bw::audit::verify_inclusion(leaf->front(), index, n, *inc, *root) &&
         bw::audit::verify_consistency(first, n, *old_root, *root, *con);
}

// One event appended through a fresh TenantLog while its first (cold) proof runs, then again
// on the idle log; milliseconds each. The log grows by two events (proofs use explicit sizes).
Status append_during_cold_proof(Bed& bed, const auditsvc::TenantId& tenant, const ProofOptions& o, ProofReport& r) {
  std::mt19937_64 rng(13);
  auditsvc::TenantLog log(tenant, bed.store, bed.keys, auditsvc::TenantLogOptions{});
  if (auto n = log.size(); !n) return n.error();
  auto proof = std::async(std::launch::async, [&] { return log.inclusion_proof(0, o.entries); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the proof is reading leaves
  const auto append_one = [&] { return log.append({auditsvc::AppendItem{make_row(tenant, 0, rng)}}, wall_ms()); };
  auto t0 = Clock::now();
  auto during = append_one();
  r.append_during_cold_ms = ms_since(t0);
  auto p = proof.get();
  if (!during) return during.error();
  if (!p) return p.error();
  t0 = Clock::now();
  auto idle = append_one();
  r.append_idle_ms = ms_since(t0);
  if (!idle) return idle.error();
  return {};
}

}  // namespace

Result<ProofReport> run_proof_bench(Bed& bed, const ProofOptions& o) {
  if (o.entries < 2) return Error{0, "--entries must be at least 2"};
  ProofReport r;
  r.entries = o.entries;
  auditsvc::TenantId tenant{};
  tenant.fill(0x7e);
  if (auto st = fill(bed, tenant, o, r); !st) return st.error();
  std::mt19937_64 rng(5);
  std::shared_ptr<auditsvc::TenantLog> log;
  for (int run = 0; run < std::max(1, o.cold_runs); ++run) {
    log = std::make_shared<auditsvc::TenantLog>(tenant, bed.store, bed.keys, auditsvc::TenantLogOptions{});
    bed.store->take_reads();
    auto t0 = Clock::now();
    if (auto p = log->inclusion_proof(rng() % o.entries, o.entries); !p) return p.error();
    r.cold_ms.push_back(ms_since(t0));
    const Reads reads = bed.store->take_reads();
    t0 = Clock::now();
    r.cold_leaves_read = replay(bed, tenant, reads);
    r.cold_read_ms.push_back(ms_since(t0));
  }
  if (auto st = warm(bed, *log, o, r); !st) return st.error();
  if (auto st = append_during_cold_proof(bed, tenant, o, r); !st) return st.error();
  r.verified = verify_some(bed, *log, o.entries);
  return r;
}

}  // namespace bw::bench::audit
