// See append_bench.hpp.
#include "append_bench.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "bw/audit/event.hpp"
#include "bw/metrics/metrics.hpp"
#include "bw/time_ordered_id.hpp"
#include "bare_insert.hpp"
#include "event_convert.hpp"
#include "grpc_service.hpp"
#include "log_actors.hpp"

namespace bw::bench::audit {
namespace {

namespace v1 = breakwater::audit::v1;

// A request of `batch` valid events of `tenant` (the event ids are set per call).
v1::AppendRequest request_template(const auditsvc::TenantId& tenant, int batch) {
  v1::AppendRequest req;
  for (int n = 0; n < batch; ++n) {
    bw::audit::Event e;
    e.tenant = tenant;
    e.time_ms = static_cast<std::uint64_t>(wall_ms());
    e.actor_kind = bw::audit::ActorKind::kUser;
    e.actor_id = Bytes(16, static_cast<std::uint8_t>(n % 50));
    e.action = n % 2 == 0 ? "auth.login" : "auth.refresh";
    e.target_type = "user";
    e.target_id = Bytes(16, 7);
    e.result = bw::audit::Outcome::kSuccess;
    e.source_address = Bytes(16, 4);
    e.attributes = {{"method", "password"}};
    e.producer = "auth";
    auditsvc::to_wire(e, req.add_events());
  }
  return req;
}

// The service as breakwater-audit's start() assembles it, with its default options (but
// checkpoint_every from the options).
struct Service {
  Service(Bed& bed, std::uint64_t checkpoint_every) : factory("audit", "bench") {
    std::shared_ptr<store::Store> s = bed.store;
    std::shared_ptr<const auditsvc::CheckpointSigner> signer = bed.keys;
    auditsvc::TenantLogOptions log_options;
    log_options.checkpoint_every = checkpoint_every;
    logs = std::make_shared<auditsvc::LogActors>(
        [s, signer, log_options](const auditsvc::TenantId& t) {
          return std::make_shared<auditsvc::TenantLog>(t, s, signer, log_options);
        },
        auditsvc::LogActorsOptions{});
    auditsvc::AuditServiceOptions o;
    o.check_readers = false;
    api = std::make_unique<auditsvc::AuditGrpcService>(logs, s, bed.keys, o, factory);
  }
  ~Service() { logs->stop(); }
  metrics::Factory factory;
  std::shared_ptr<auditsvc::LogActors> logs;
  std::unique_ptr<auditsvc::AuditGrpcService> api;
};

CellResult service_cell(Service& service, const auditsvc::TenantId& tenant, int producers, const AppendOptions& o) {
  const v1::AppendRequest tmpl = request_template(tenant, o.batch);
  std::vector<std::mt19937_64> rngs;
  for (int i = 0; i < producers; ++i) rngs.emplace_back(std::random_device{}());
  return run_threads(producers, o.timing, [&](int i, std::string& error) -> std::uint64_t {
    v1::AppendRequest req = tmpl;
    auto& rng = rngs[static_cast<std::size_t>(i)];
    const auto now = static_cast<std::uint64_t>(wall_ms());
    for (auto& e : *req.mutable_events()) {
      std::array<std::uint8_t, 16> r{};
      for (auto& b : r) b = static_cast<std::uint8_t>(rng());
      const auto id = o.random_ids ? r : time_ordered_id(now, std::span<const std::uint8_t, 10>(r.data(), 10));
      e.set_event_id(std::string(id.begin(), id.end()));
    }
    grpc::ServerContext ctx;
    v1::AppendResponse res;
    const grpc::Status st = service.api->Append(&ctx, &req, &res);
    if (!st.ok()) return error = st.error_message(), 0;
    const auto fresh = std::count_if(res.appended().begin(), res.appended().end(), [](auto& a) { return !a.duplicate(); });
    if (fresh != o.batch) return error = "duplicates in the answer", 0;
    return static_cast<std::uint64_t>(fresh);
  });
}

CellResult bare_cell(Bed& bed, const std::vector<store::Entry>& sample, int rows, const Timing& timing) {
  const std::span<const store::Entry> txn(sample.data(), std::min<std::size_t>(sample.size(), rows));
  return run_threads(1, timing, [&](int, std::string& error) -> std::uint64_t {
    if (auto st = store::bench::bare_insert(*bed.db, txn); !st) return error = st.error().message, 0;
    return txn.size();
  });
}

RecordingStore::Appends minus(RecordingStore::Appends a, const RecordingStore::Appends& b) {
  a.transactions -= b.transactions;
  a.rows -= b.rows;
  a.checkpoints -= b.checkpoints;
  a.append_s -= b.append_s;
  a.find_s -= b.find_s;
  a.leaves_s -= b.leaves_s;
  a.checkpoint_s -= b.checkpoint_s;
  return a;
}

}  // namespace

Result<std::vector<AppendCell>> run_append_cells(Bed& bed, const AppendOptions& o) {
  if (auto st = store::bench::create_bare_table(*bed.db); !st) return st.error();
  Service service(bed, o.checkpoint_every);
  std::vector<AppendCell> cells;
  std::mt19937_64 rng(std::random_device{}());
  for (const int producers : o.producers) {
    auditsvc::TenantId tenant{};
    for (auto& b : tenant) b = static_cast<std::uint8_t>(rng());
    AppendCell cell;
    cell.producers = producers;
    const auto before = bed.store->appends();
    const auto t0 = std::chrono::steady_clock::now();
    cell.service = service_cell(service, tenant, producers, o);
    cell.wall_s = seconds_since(t0);
    cell.calls = minus(bed.store->appends(), before);
    const auto commits = std::max<std::uint64_t>(1, cell.calls.transactions);
    cell.events_per_commit = static_cast<double>(cell.calls.rows) / static_cast<double>(commits);
    cell.bare_rows_per_commit = std::max(1, static_cast<int>(std::lround(cell.events_per_commit)));
    cell.bare = bare_cell(bed, bed.store->sample(), cell.bare_rows_per_commit, o.timing);
    cells.push_back(std::move(cell));
  }
  return cells;
}

}  // namespace bw::bench::audit
