// audit_bench: breakwater-audit's durable appends and proof generation beside raw baselines
// measured in the same run (issue 7, DESIGN §9), so the ratios hold on a noisy machine:
//  - durable appends/s on SQLite and on PostgreSQL (fsync on) through the service's real
//    path in process (append_bench.hpp) vs a bare batched insert of the same rows;
//  - proof generation at 1,000,000 entries on SQLite, cold and warm (proof_bench.hpp) vs
//    reading the same leaf hashes straight from the store.
// Nothing here passes or fails; it prints Markdown tables and the goal in plain words.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

#include "append_bench.hpp"
#include "bw/log/log.hpp"
#include "bw/testing/postgres_server.hpp"
#include "bw/testing/temp_dir.hpp"
#include "machine.hpp"
#include "proof_bench.hpp"

namespace bw::bench::audit {
namespace {

constexpr double kGoalAppends = 20'000;  // DESIGN §9, durable appends/s on 2 cores

struct Options {
  AppendOptions append;
  ProofOptions proof;
  bool postgres = true, appends = true, proofs = true;
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: audit_bench [--warmup S] [--duration S] [--producers N,N,..] [--batch N]\n"
               "                   [--entries N] [--samples N] [--random-ids] [--checkpoint-every N]\n"
               "                   [--no-postgres] [--no-appends] [--no-proofs]\n"
               "  --warmup S       warm-up seconds per append cell (default 1)\n"
               "  --duration S     measured seconds per append cell (default 3)\n"
               "  --producers L    concurrent producers per cell (default 1,4,16)\n"
               "  --batch N        events per Append request (default 100)\n"
               "  --entries N      leaves in the log the proofs are made in (default 1000000)\n"
               "  --samples N      warm proofs of each kind (default 300)\n"
               "  --random-ids     16 random bytes per event id instead of the producers' time-ordered\n"
               "                   ids (UUIDv7 layout, bw/time_ordered_id.hpp)\n"
               "  --checkpoint-every N   events between signed checkpoints (audit.checkpoint_every,\n"
               "                   default 1000)\n"
               "  --no-postgres    skip the PostgreSQL append cells\n"
               "  --no-appends / --no-proofs   skip a part\n");
}

std::optional<double> number(const char* s, double lo, double hi) {
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<std::vector<int>> int_list(const char* s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    const auto v = number(item.c_str(), 1, 256);
    if (!v) return std::nullopt;
    out.push_back(static_cast<int>(*v));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

bool parse_flag(Options& o, const std::string& f, const char* v) {
  if (f == "--producers") {
    auto l = int_list(v);
    return l && (o.append.producers = *l, true);
  }
  const auto limits = f == "--entries" ? std::pair(2.0, 1e9) : f == "--checkpoint-every" ? std::pair(1.0, 1e9)
                      : f == "--batch" ? std::pair(1.0, 1000.0)
                      : f == "--samples" ? std::pair(1.0, 1e6) : std::pair(0.0, 3600.0);
  const auto n = number(v, limits.first, limits.second);
  if (!n) return false;
  if (f == "--warmup") o.append.timing.warmup = std::chrono::duration<double>(*n);
  else if (f == "--duration") o.append.timing.measure = std::chrono::duration<double>(*n);
  else if (f == "--batch") o.append.batch = static_cast<int>(*n);
  else if (f == "--entries") o.proof.entries = static_cast<std::uint64_t>(*n);
  else if (f == "--checkpoint-every") o.append.checkpoint_every = static_cast<std::uint64_t>(*n);
  else if (f == "--samples") o.proof.samples = static_cast<int>(*n);
  else return false;
  return true;
}

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    if (f == "--help" || f == "-h") usage(stdout), std::exit(0);
    if (f == "--no-postgres") o.postgres = false;
    else if (f == "--random-ids") o.append.random_ids = true;
    else if (f == "--no-appends") o.appends = false;
    else if (f == "--no-proofs") o.proofs = false;
    else if (i + 1 >= argc || !parse_flag(o, f, argv[++i])) {
      std::fprintf(stderr, "audit_bench: bad or unknown option %s (see --help)\n", f.c_str());
      return std::nullopt;
    }
  }
  return o;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "audit_bench: %s\n", what.c_str());
  std::exit(1);
}

double pct(double a, double b) { return b > 0 ? 100.0 * a / b : 0; }

void print_append_rows(const std::string& backend, const std::vector<AppendCell>& cells, double& best, int& best_at) {
  for (const auto& c : cells) {
    std::printf("| %s | %d | %.0f | %.2f | %.2f | %.0f | %.0f (%d rows/txn) | %.0f%% | %llu / %llu |\n",
                backend.c_str(), c.producers, c.service.rate(), c.service.latency.p50_ms, c.service.latency.p99_ms,
                c.events_per_commit, c.bare.rate(), c.bare_rows_per_commit, pct(c.service.rate(), c.bare.rate()),
                static_cast<unsigned long long>(c.service.errors), static_cast<unsigned long long>(c.bare.errors));
    if (c.service.errors) std::printf("|   first service error: %s |\n", c.service.first_error.c_str());
    if (c.service.rate() > best) best = c.service.rate(), best_at = c.producers;
  }
}

void print_breakdown(const char* backend, const std::vector<AppendCell>& cells) {
  for (const auto& c : cells) {
    const auto& k = c.calls;
    const double per = 1e3 / static_cast<double>(std::max<std::uint64_t>(1, k.transactions));
    std::printf("| %s | %d | %llu | %llu | %.1f | %.1f | %.1f | %.1f | %.1f |\n", backend, c.producers,
                static_cast<unsigned long long>(k.transactions), static_cast<unsigned long long>(k.checkpoints),
                c.wall_s * per, k.append_s * per, k.find_s * per, k.leaves_s * per, k.checkpoint_s * per);
  }
}

void append_part(const Options& o, const testing::TempDir& dir) {
  std::printf("## Durable appends: in process through AuditGrpcService::Append (no network, no TLS)\n"
              "%d-event Append batches of one tenant (a new tenant per cell), %s event ids; LogActors and TenantLog with the\n"
              "service's defaults (2 SQL workers, max_batch 1000, checkpoint every %llu events or 10 s);\n"
              "warm-up %.2f s, measured %.2f s per cell; p50/p99 per Append call. Baseline: bare batched insert\n"
              "of the service's own rows, one transaction at a time, as many rows per transaction as the\n"
              "service averaged (events per commit), same database and durability.\n\n",
              o.append.batch, o.append.random_ids ? "random 16-byte" : "time-ordered (UUIDv7 layout, as producers make them)",
              static_cast<unsigned long long>(o.append.checkpoint_every), o.append.timing.warmup.count(),
              o.append.timing.measure.count());
  auto lite = open_bed((dir.path() / "append.db").string(), "");
  if (!lite) die("sqlite: " + lite.error().message);
  auto lite_cells = run_append_cells(*lite, o.append);
  if (!lite_cells) die("sqlite cells: " + lite_cells.error().message);
  std::optional<testing::PostgresServer> server;
  Result<std::vector<AppendCell>> pg_cells = Error{0, "skipped (--no-postgres)"};
  if (o.postgres) {
    testing::PostgresOptions po;
    po.settings = {"fsync=on", "synchronous_commit=on", "full_page_writes=on"};
    auto started = testing::PostgresServer::start(po);
    if (!started) die("postgres: " + started.error().message);
    server.emplace(std::move(started.value()));
    auto pg = open_bed("", server->conninfo());
    if (!pg) die("postgres: " + pg.error().message);
    pg_cells = run_append_cells(*pg, o.append);
  }
  std::printf("| backend | producers | service appends/s | p50 ms | p99 ms | events per commit | bare batched insert "
              "rows/s | service / bare | errors service / bare |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
  double best_lite = 0, best_pg = 0;
  int at_lite = 0, at_pg = 0;
  print_append_rows("SQLite (WAL, synchronous=FULL)", *lite_cells, best_lite, at_lite);
  if (pg_cells) print_append_rows("PostgreSQL (fsync, synchronous_commit on)", *pg_cells, best_pg, at_pg);
  else std::printf("\nPostgreSQL: %s\n", pg_cells.error().message.c_str());
  std::printf("\nWhere a service cell's time goes (warm-up included; ms per commit, wall-clock inside each store "
              "call):\n\n| backend | producers | commits | checkpoints | wall per commit | Store::append | "
              "find_events | leaf_hashes | add_checkpoint |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  print_breakdown("SQLite", *lite_cells);
  if (pg_cells) print_breakdown("PostgreSQL", *pg_cells);
  std::printf("\ngoal, durable appends >= %.0f/s on 2 cores: SQLite %.0f/s (%d producers): %s", kGoalAppends,
              best_lite, at_lite, best_lite >= kGoalAppends ? "met" : "not met");
  if (pg_cells) std::printf("; PostgreSQL %.0f/s (%d producers): %s", best_pg, at_pg, best_pg >= kGoalAppends ? "met" : "not met");
  std::printf("\n\n");
}

void proof_part(const Options& o, const testing::TempDir& dir) {
  auto bed = open_bed((dir.path() / "proofs.db").string(), "");
  if (!bed) die("sqlite: " + bed.error().message);
  auto r = run_proof_bench(*bed, o.proof);
  if (!r) die("proofs: " + r.error().message);
  std::printf("## Proofs at %llu entries, one tenant, SQLite (through TenantLog)\n",
              static_cast<unsigned long long>(r->entries));
  std::printf("fill: %llu entries in %.1f s (%.0f entries/s; %.1f s of it in Store::append, %d rows per "
              "transaction)\n\n", static_cast<unsigned long long>(r->entries), r->fill_seconds,
              static_cast<double>(r->entries) / r->fill_seconds, r->fill_append_seconds, o.proof.fill_batch);
  std::printf("| proof | ms p50 | ms p99 | leaf hashes read per proof | baseline: the same leaf hashes read straight "
              "from the store, ms p50 | ms p99 | proof / read |\n|---|---:|---:|---:|---:|---:|---:|\n");
  for (std::size_t i = 0; i < r->cold_ms.size(); ++i) {
    std::printf("| cold: first inclusion proof of a fresh TenantLog (run %zu; rebuilds the tile cache) | %.1f | | %llu "
                "| %.1f | | %.1fx |\n", i + 1, r->cold_ms[i], static_cast<unsigned long long>(r->cold_leaves_read),
                r->cold_read_ms[i], r->cold_ms[i] / r->cold_read_ms[i]);
  }
  std::printf("| warm inclusion proof (%d, random leaf) | %.3f | %.3f | %.0f | %.3f | %.3f | %.1fx |\n", o.proof.samples,
              r->inclusion.p50_ms, r->inclusion.p99_ms, r->inclusion_leaves_read, r->inclusion_read.p50_ms,
              r->inclusion_read.p99_ms, r->inclusion.p50_ms / r->inclusion_read.p50_ms);
  std::printf("| warm consistency proof (%d, random first size) | %.3f | %.3f | %.0f | %.3f | %.3f | %.1fx |\n",
              o.proof.samples, r->consistency.p50_ms, r->consistency.p99_ms, r->consistency_leaves_read,
              r->consistency_read.p50_ms, r->consistency_read.p99_ms, r->consistency.p50_ms / r->consistency_read.p50_ms);
  std::printf("\nan append of one event issued 100 ms into a cold proof of the same log took %.1f ms (the same "
              "append on the idle log: %.1f ms)\n", r->append_during_cold_ms, r->append_idle_ms);
  std::printf("\nproofs checked against the roots: %s\n", r->verified ? "yes" : "NO — a proof did not verify");
}

}  // namespace
}  // namespace bw::bench::audit

int main(int argc, char** argv) {
  using namespace bw::bench::audit;
  const auto options = parse(argc, argv);
  if (!options) return 2;
  bw::log::set_level(bw::log::Level::kWarn);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they come, also into a file
  auto dir = bw::testing::TempDir::create("bw-audit-bench-");
  if (!dir) die("temp dir: " + dir.error().message);
  std::printf("audit_bench: %s\n\n", bw::bench::machine_summary().c_str());
  if (options->appends) append_part(*options, *dir);
  if (options->proofs) proof_part(*options, *dir);
  std::printf("load average at the end: %s\n", bw::bench::load_average().c_str());
  return 0;
}
