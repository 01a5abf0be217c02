// The service frame's back half (see service_main.hpp): builds and runs the gRPC server and
// the ops endpoints, polls readiness, and drains on SIGTERM. The main thread takes signals
// with sigwait(): no async-signal-safety puzzles, and a drain runs as ordinary code.
#include "service_runner.hpp"

#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

#include <condition_variable>
#include <thread>

#include "bw/log/log.hpp"
#include "bw/service/grpc_metrics.hpp"
#include "bw/service/health_service.hpp"
#include "bw/service/ops_server.hpp"
#include "bw/service/tls.hpp"

namespace bw::service {
namespace {

void route_grpc_logs() {
  gpr_set_log_function([](gpr_log_func_args* args) {
    const log::Level level = args->severity == GPR_LOG_SEVERITY_ERROR ? log::Level::kError
                             : args->severity == GPR_LOG_SEVERITY_INFO ? log::Level::kInfo
                                                                       : log::Level::kDebug;
    log::write(level, "grpc", {{"message", args->message ? args->message : ""}});
  });
}

bool mutual_tls(const config::Values& v) {
  return !v.boolean("tls.plaintext") && v.str("tls.client_auth") == "require";
}

// The listener's credentials. Files were checked by validate_common(); reading them again
// here can still fail (a file replaced meanwhile), which is a start-up failure.
Result<std::shared_ptr<grpc::ServerCredentials>> server_credentials(const config::Values& v) {
  if (v.boolean("tls.plaintext")) return grpc::InsecureServerCredentials();
  const bool mutual = mutual_tls(v);
  auto material = load_tls({v.str("tls.cert_file"), v.str("tls.key_file"), v.str("tls.ca_file")}, true, mutual);
  if (!material) return material.error();
  grpc::SslServerCredentialsOptions opts(mutual ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  opts.pem_root_certs = material->ca_pem;
  opts.pem_key_cert_pairs.push_back({material->key_pem, material->cert_pem});
  return grpc::SslServerCredentials(opts);
}

Result<std::unique_ptr<OpsServer>> start_ops(const config::Values& v, metrics::Factory& metrics, Readiness& readiness) {
  OpsServerOptions o;
  o.listen = v.str("ops.listen");
  o.plaintext = v.boolean("ops.plaintext");
  if (!o.plaintext) {
    auto material = load_tls({v.str("tls.cert_file"), v.str("tls.key_file"), ""}, true, false);
    if (!material) return material.error();
    o.cert_pem = material->cert_pem;
    o.key_pem = material->key_pem;
  }
  auto requests = metrics.counter("ops_requests", "Requests to the ops endpoints, by path and HTTP status");
  return start_ops_server(o, [&metrics, &readiness, requests](std::string_view method, std::string_view target) {
    OpsResponse r = route_ops(method, target, readiness.snapshot(), [&metrics] { return metrics.serialize(); });
    const std::string_view path = target.substr(0, target.find('?'));
    const bool known = path == "/healthz" || path == "/readyz" || path == "/metrics";
    requests.add({{"path", known ? std::string(path) : "other"}, {"code", std::to_string(r.status)}}).Increment();
    return r;
  });
}

// Limits and keepalive rules that hold for every service.
void configure_builder(grpc::ServerBuilder& builder, const config::Values& v, metrics::Factory& metrics) {
  grpc::ResourceQuota quota("breakwater");
  quota.SetMaxThreads(static_cast<int>(v.integer("server.max_threads")));
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, static_cast<int>(v.integer("server.max_concurrent_streams")));
  // gRPC sets SO_REUSEPORT by default: a second instance would then share the port
  // silently instead of failing. One listener per address, always.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Our clients ping every 30 s on idle long-lived streams; accept that instead of
  // answering GOAWAY(too_many_pings).
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(make_grpc_metrics(metrics));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
}

// Runs readiness checks every second and mirrors the result into a gauge (gRPC health
// and /readyz read the Readiness snapshot directly).
class ReadinessPoller {
 public:
  ReadinessPoller(Readiness& r, prometheus::Gauge& gauge, metrics::Family<prometheus::Counter> failures)
      : readiness_(r), gauge_(gauge), failures_(failures) {
    tick();
    thread_ = std::thread([this] { loop(); });
  }
  ~ReadinessPoller() {
    request_stop();
    join();
  }
  void request_stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  void tick() {
    const bool ready = readiness_.poll();
    gauge_.Set(ready && !stopping() ? 1 : 0);
    for (const auto& [name, ok] : readiness_.snapshot().checks) {
      if (!ok) failures_.add({{"check", name}}).Increment();
    }
  }
  bool stopping() {
    std::lock_guard lock(mu_);
    return stop_;
  }
  void loop() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
      lock.unlock();
      tick();
      lock.lock();
    }
  }
  Readiness& readiness_;
  prometheus::Gauge& gauge_;
  metrics::Family<prometheus::Counter> failures_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Waits for SIGTERM/SIGINT, running the reload hook on SIGHUP. Returns the signal.
int wait_for_stop(const sigset_t& set, const ServiceContext& ctx) {
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig != SIGHUP) return sig;
    log::info("reload requested");
    ctx.reload();
  }
}

// Sleeps for `delay` unless a second SIGTERM/SIGINT arrives, which cuts the delay short.
void drain_delay(const sigset_t& set, std::chrono::milliseconds delay) {
  const auto until = std::chrono::steady_clock::now() + delay;
  for (auto now = std::chrono::steady_clock::now(); now < until; now = std::chrono::steady_clock::now()) {
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - now);
    timespec ts{static_cast<time_t>(left.count() / 1'000'000'000), static_cast<long>(left.count() % 1'000'000'000)};
    const int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig == SIGTERM || sig == SIGINT) return;
  }
}

struct Running {
  std::unique_ptr<OpsServer> ops;
  std::unique_ptr<grpc::Server> server;
  int grpc_port = 0;
};

// Binds the ops endpoint first (nothing to undo if it fails), then the gRPC server.
Result<Running> start_listeners(const config::Values& v, grpc::ServerBuilder& builder, metrics::Factory& metrics,
                                Readiness& readiness) {
  Running r;
  auto ops = start_ops(v, metrics, readiness);
  if (!ops) return ops.error();
  r.ops = std::move(ops.value());
  auto creds = server_credentials(v);
  if (!creds) return creds.error();
  builder.AddListeningPort(v.str("server.grpc_listen"), creds.value(), &r.grpc_port);
  r.server = builder.BuildAndStart();
  if (!r.server || r.grpc_port == 0) return Error{1, "cannot listen on " + v.str("server.grpc_listen")};
  return r;
}

}  // namespace

int run_configured(const ServiceSpec& spec, const config::Values& v, const sigset_t& signals) {
  log::set_service(spec.name);
  log::Level level = log::Level::kInfo;
  log::parse_level(v.str("log.level"), level);
  log::set_level(level);
  route_grpc_logs();

  metrics::Factory metrics(spec.name, BW_VERSION);
  auto& ready_gauge = metrics.gauge("ready", "1 when the service passes its readiness checks").add({});
  Readiness readiness;
  grpc::ServerBuilder builder;
  configure_builder(builder, v, metrics);
  HealthService health(readiness);
  builder.RegisterService(&health);
  ServiceContext ctx(v, metrics, readiness, builder);
  if (spec.start) {
    if (auto st = spec.start(ctx); !st) {
      log::error("start failed", {{"reason", st.error().message}});
      return 1;
    }
  }
  for (const auto& name : ctx.grpc_service_names()) health.add_service_name(name);
  auto running = start_listeners(v, builder, metrics, readiness);
  if (!running) {
    log::error("start failed", {{"reason", running.error().message}});
    ctx.run_stop_hooks();
    return 1;
  }
  ReadinessPoller poller(readiness, ready_gauge,
                         metrics.counter("readiness_check_failures", "Failed readiness checks, by check"));
  log::info("started", {{"grpc_port", running->grpc_port}, {"ops_port", running->ops->port()},
                        {"tls", !v.boolean("tls.plaintext")}, {"mutual_tls", mutual_tls(v)}, {"version", BW_VERSION}});

  const int sig = wait_for_stop(signals, ctx);
  log::info("draining", {{"signal", sig}, {"drain_delay_ms", v.duration("server.drain_delay").count()},
                         {"drain_timeout_ms", v.duration("server.drain_timeout").count()}});
  readiness.drain();
  health.shutdown();
  poller.request_stop();
  ready_gauge.Set(0);
  ctx.run_drain_hooks();
  drain_delay(signals, v.duration("server.drain_delay"));
  running->server->Shutdown(std::chrono::system_clock::now() + v.duration("server.drain_timeout"));
  running->server->Wait();
  running->ops->stop();
  poller.join();
  ready_gauge.Set(0);
  ctx.run_stop_hooks();
  log::info("stopped");
  return 0;
}

}  // namespace bw::service
