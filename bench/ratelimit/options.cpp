// ratelimit_bench flags (see options.hpp).
#include "options.hpp"

#include <charconv>
#include <string_view>

namespace bw::bench {
namespace {

Error bad(const std::string& flag, const std::string& why) { return Error{2, flag + ": " + why}; }

Result<double> seconds(const std::string& flag, const std::string& v) {
  double d = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || p != v.data() + v.size() || d < 0 || d > 3600) return bad(flag, "want seconds, e.g. 0.5");
  return d;
}

Result<int> count(const std::string& flag, std::string_view v, int max) {
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < 1 || n > max) {
    return bad(flag, "want a whole number from 1 to " + std::to_string(max));
  }
  return n;
}

Result<std::vector<int>> counts(const std::string& flag, std::string_view v, int max) {
  std::vector<int> out;
  while (!v.empty()) {
    const auto comma = v.find(',');
    auto n = count(flag, v.substr(0, comma), max);
    if (!n) return n.error();
    out.push_back(n.value());
    v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
  }
  if (out.empty()) return bad(flag, "want a comma-separated list");
  return out;
}

// Applies one "--flag value"; false when the flag is unknown.
Status apply(Options& o, const std::string& f, const std::string& v, bool& known) {
  known = true;
  auto set_int = [&](int& dst, int max) -> Status {
    auto n = count(f, v, max);
    if (!n) return n.error();
    dst = n.value();
    return {};
  };
  auto set_list = [&](std::vector<int>& dst, int max) -> Status {
    auto l = counts(f, v, max);
    if (!l) return l.error();
    dst = l.value();
    return {};
  };
  auto set_seconds = [&](std::chrono::duration<double>& dst) -> Status {
    auto s = seconds(f, v);
    if (!s) return s.error();
    dst = std::chrono::duration<double>(s.value());
    return {};
  };
  if (f == "--duration") return set_seconds(o.timing.measure);
  if (f == "--warmup") return set_seconds(o.timing.warmup);
  if (f == "--descriptors") return set_list(o.descriptors, 64);
  if (f == "--callers") return set_list(o.callers, 1024);
  if (f == "--channels") return set_int(o.channels, 64);
  if (f == "--client-threads") return set_int(o.client_threads, 64);
  if (f == "--pipeline-depth") return set_int(o.pipeline_depth, 10000);
  if (f == "--pipeline-connections") return set_int(o.pipeline_connections, 64);
  if (f == "--service") o.service = v;
  else if (f == "--domain") o.domain = v;
  else if (f == "--tls-cert") o.tls_cert = v;
  else if (f == "--tls-key") o.tls_key = v;
  else if (f == "--tls-ca") o.tls_ca = v;
  else if (f == "--server-name") o.server_name = v;
  else if (f == "--redis") o.redis = v;
  else if (f == "--redis-password") o.redis_password = v;
  else if (f == "--binary") o.binary = v;
  else if (f == "--service-env") o.service_env.push_back(v);
  else known = false;
  return {};
}

}  // namespace

std::string usage() {
  return R"(ratelimit_bench: ShouldRateLimit decisions/s and latency of breakwater-ratelimit, beside the
raw rate of the same fixed_window Lua script sent straight to the same Redis, in one run.

Without --service it starts its own redis-server and the breakwater-ratelimit built beside
it (mutual TLS under a dev PKI from scripts/dev-pki.sh, one rule admitting everything).

  --duration S              measured seconds per cell (default 3)
  --warmup S                warm-up seconds per cell, not counted (default 1)
  --descriptors LIST        descriptors per request (default 1,4)
  --callers LIST            concurrent callers (default 1,16,64)
  --channels N              gRPC channels, one connection each (default 4)
  --client-threads N        completion-queue threads of the client (default 2)
  --pipeline-depth N        decisions per round trip of the pipelined baseline (default 128)
  --pipeline-connections N  connections of the pipelined baseline (default 1)
  --binary PATH             the service binary (default: breakwater-ratelimit beside this program)
  --service-env KEY=VALUE   extra environment for the local service (repeatable),
                            e.g. BREAKWATER_REDIS_POOL_SIZE=8
  --service HOST:PORT       measure a running service instead; needs --redis (its Redis),
                            --tls-cert, --tls-key, --tls-ca, and --domain (default bench) with
                            a `tenant` rule that admits everything
  --server-name NAME        name in the service certificate (default localhost)
  --redis HOST:PORT         that service's Redis, for the baseline; --redis-password P
  --help                    this text
)";
}

Result<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    if (f == "--help" || f == "-h") {
      o.help = true;
      continue;
    }
    if (i + 1 >= argc) return bad(f, "unknown flag or missing value (see --help)");
    bool known = false;
    if (auto st = apply(o, f, argv[++i], known); !st) return st.error();
    if (!known) return bad(f, "unknown flag (see --help)");
  }
  if (!o.service.empty() && (o.redis.empty() || o.tls_cert.empty() || o.tls_key.empty() || o.tls_ca.empty())) {
    return bad("--service", "needs --redis, --tls-cert, --tls-key and --tls-ca");
  }
  return o;
}

}  // namespace bw::bench
