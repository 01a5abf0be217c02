// ratelimit_bench: decisions per second and p50/p99 latency of breakwater-ratelimit's
// ShouldRateLimit for each (descriptors per request, concurrent callers) cell, printed
// beside the raw rate of the same fixed_window script sent straight to the same Redis —
// pipelined (the ceiling the goal compares with) and with the same number of
// callers doing one round trip per decision (like for like) — all in one run.
// A benchmark, not a test: it prints figures and exits 0 whatever they are; it exits
// non-zero only when it cannot run (bad flags, a server that does not start).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>

#include "bw/redis/connection.hpp"
#include "local_service.hpp"
#include "machine.hpp"
#include "options.hpp"
#include "process_cpu.hpp"
#include "raw_script.hpp"
#include "report.hpp"
#include "lease_load.hpp"
#include "rls_load.hpp"

namespace {

using namespace bw::bench;

std::string beside_me(const std::string& name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? name : (self.parent_path() / name).string();
}

std::string dev_pki_script() {
  const char* src = std::getenv("BW_SOURCE_DIR");
  return std::string(src && *src ? src : BW_SOURCE_DIR_DEFAULT) + "/scripts/dev-pki.sh";
}

bw::Result<bw::redis::ConnectionOptions> redis_address(const Options& o) {
  bw::redis::ConnectionOptions r;
  const auto colon = o.redis.rfind(':');
  if (colon == std::string::npos) return bw::Error{2, "--redis: want HOST:PORT"};
  r.host = o.redis.substr(0, colon);
  r.port = static_cast<std::uint16_t>(std::atoi(o.redis.c_str() + colon + 1));
  r.password = o.redis_password;
  return r;
}

std::string redis_version(const bw::redis::ConnectionOptions& redis) {
  bw::redis::Connection c(redis);
  auto info = c.command({"INFO", "server"});
  if (!info || !info->is_string()) return "unknown";
  const auto& text = info->as_string();
  const auto at = text.find("redis_version:");
  if (at == std::string::npos) return "unknown";
  return text.substr(at + 14, text.find_first_of("\r\n", at) - at - 14);
}

void print_header(const Options& o, const RlsTarget& target, const bw::redis::ConnectionOptions& redis) {
  std::printf("ratelimit_bench, %s\n", utc_now().c_str());
  std::printf("machine: %s\n", machine_summary().c_str());
  std::printf("build: %s (bench and service from the same build)\n", BW_BUILD_TYPE);
  std::printf("service: %s at %s, mutual TLS, domain %s%s", o.service.empty() ? "local breakwater-ratelimit" : "remote",
              target.address.c_str(), target.domain.c_str(), o.service_env.empty() ? ", default settings" : "");
  for (const auto& e : o.service_env) std::printf(", %s", e.c_str());
  std::printf("\nredis: %s at %s:%u\n", redis_version(redis).c_str(), redis.host.c_str(), redis.port);
  std::printf("client: %d gRPC channels, %d completion-queue threads, async unary calls\n", o.channels,
              o.client_threads);
  std::printf("cells: %.2f s warm-up, %.2f s measured; pipelined baseline: %d connection(s) x %d decisions "
              "per round trip\n\n",
              o.timing.warmup.count(), o.timing.measure.count(), o.pipeline_connections, o.pipeline_depth);
  std::fflush(stdout);
}

// `service` and `redis` are local pids (0 for a remote service: no CPU shares then).
int run(const Options& o, const RlsTarget& target, const bw::redis::ConnectionOptions& redis, pid_t service,
        pid_t redis_pid) {
  print_header(o, target, redis);
  auto channels = make_channels(target, o.channels);
  if (!channels) {
    std::fprintf(stderr, "ratelimit_bench: %s\n", channels.error().message.c_str());
    return 1;
  }
  std::map<int, CellResult> pipelined;
  for (int d : o.descriptors) {
    pipelined[d] = run_raw_pipelined(redis, o.pipeline_connections, o.pipeline_depth, d, o.timing);
  }
  std::vector<Row> rows;
  std::map<int, CellResult> health;
  for (int d : o.descriptors) {
    for (int c : o.callers) {
      Row r{.descriptors = d, .callers = c};
      CpuMeter cpu({service, ::getpid(), redis_pid});
      r.service = run_rls_cell(channels.value(), target.domain,
                               {.callers = c, .descriptors = d, .client_threads = o.client_threads}, o.timing);
      if (service != 0) r.cpu = cpu.percent();
      if (!health.contains(c)) {  // the same for any descriptor count: measured once per callers
        health[c] = run_rls_cell(channels.value(), target.domain,
                                 {.callers = c, .client_threads = o.client_threads, .rpc = Rpc::kHealthCheck}, o.timing);
      }
      r.health = health[c];
      r.raw_callers = run_raw_callers(redis, c, d, o.timing);
      rows.push_back(r);
      std::fprintf(stderr, "  %d descriptor(s), %d caller(s): service %.0f/s, raw %.0f/s\n", d, c, r.service.rate(),
                   r.raw_callers.rate());
      if (r.service.errors > 0) std::fprintf(stderr, "    service errors, first: %s\n", r.service.first_error.c_str());
      if (r.raw_callers.errors > 0) std::fprintf(stderr, "    raw errors, first: %s\n", r.raw_callers.first_error.c_str());
    }
  }
  print_table(rows, pipelined);
  std::printf("\nA decision answers one request (1 or 4 descriptors, each one script call). Pipelined: %d "
              "decisions per round trip, the most Redis can do with this script; same callers: one round trip "
              "per decision, as the service makes per request. gRPC health Check: the service's cheapest call on "
              "the same channels (what gRPC and TLS alone cost). CPU: %% of one core during the service cell (warm-up "
              "included), for the service, this program (the client) and redis-server. Load average at the end: %s\n",
              o.pipeline_depth, load_average().c_str());
  print_goal(rows, pipelined);

  // Quota leases as relay pods renew them: AcquireLeases of 64, beside the same take-lease
  // script pipelined 64 per round trip on as many connections.
  std::printf("\n| leases, AcquireLeases of %d | callers | leases/s | p50 ms per call | p99 ms | raw take-lease script, "
              "%d per round trip, leases/s | service / raw | CPU %% service |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
              kLeasesPerCall, kLeasesPerCall);
  for (int c : {1, 4}) {
    CpuMeter cpu({service});
    const CellResult svc = run_lease_cell(channels.value(), target.domain, c, o.timing);
    const auto used = service != 0 ? cpu.percent() : std::vector<double>{};
    const CellResult raw = run_raw_leases(redis, c, o.timing);
    std::printf("| leases, AcquireLeases of %d | %d | %.0f | %.2f | %.2f | %.0f | %.0f%% | %s |\n", kLeasesPerCall, c,
                svc.rate(), svc.latency.p50_ms, svc.latency.p99_ms, raw.rate(),
                raw.rate() > 0 ? 100 * svc.rate() / raw.rate() : 0.0, used.empty() ? "" : std::to_string(static_cast<int>(used[0])).c_str());
    if (svc.errors > 0) std::fprintf(stderr, "    lease errors, first: %s\n", svc.first_error.c_str());
    if (raw.errors > 0) std::fprintf(stderr, "    raw lease errors, first: %s\n", raw.first_error.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = parse_options(argc, argv);
  if (!options) {
    std::fprintf(stderr, "ratelimit_bench: %s\n", options.error().message.c_str());
    return 2;
  }
  const Options& o = options.value();
  if (o.help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (!o.service.empty()) {
    auto redis = redis_address(o);
    if (!redis) {
      std::fprintf(stderr, "ratelimit_bench: %s\n", redis.error().message.c_str());
      return 2;
    }
    const RlsTarget target{o.service, {o.tls_cert, o.tls_key, o.tls_ca}, o.server_name, o.domain};
    return run(o, target, redis.value(), 0, 0);
  }
  auto local = LocalService::start(
      {.binary = o.binary.empty() ? beside_me("breakwater-ratelimit") : o.binary,
       .dev_pki_script = dev_pki_script(),
       .extra_env = o.service_env});
  if (!local) {
    std::fprintf(stderr, "ratelimit_bench: %s\n", local.error().message.c_str());
    return 1;
  }
  return run(o, local->target(), local->redis(), local->service_pid(), local->redis_pid());
}
