// The service frame's back half (see service_main.hpp): builds and runs the gRPC server and
// the ops endpoints, polls readiness, and drains on SIGTERM. The main thread takes signals
// with sigwait(): no async-signal-safety puzzles, and a drain runs as ordinary code.
#include "service_runner.hpp"

#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>

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

std::shared_ptr<grpc::ServerCredentials> server_credentials(const config::Values& v, const ServiceSpec& spec,
                                                            Error& error) {
  if (v.boolean("tls.plaintext")) return grpc::InsecureServerCredentials();
  const bool mutual = v.str("tls.client_auth") == "require";
  auto material = load_tls({v.str("tls.cert_file"), v.str("tls.key_file"), v.str("tls.ca_file")}, true, mutual);
  if (!material) {
    error = material.error();
    return nullptr;
  }
  grpc::SslServerCredentialsOptions opts(mutual ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  opts.pem_root_certs = material->ca_pem;
  opts.pem_key_cert_pairs.push_back({material->key_pem, material->cert_pem});
  (void)spec;
  return grpc::SslServerCredentials(opts);
}

Result<std::unique_ptr<OpsServer>> start_ops(const config::Values& v, metrics::Factory& metrics, Readiness& readiness) {
  OpsServerOptions o;
  o.listen = v.str("ops.listen");
  o.plaintext = v.boolean("ops.plaintext");
  if (!o.plaintext) {
    auto material = load_tls({v.str("tls.cert_file"), v.str("tls.key_file"), ""}, true, false);
    if (!material) {
      return Error{material.error().code, material.error().message + " (needed by the ops endpoint; or set ops.plaintext: true)"};
    }
    o.cert_pem = material->cert_pem;
    o.key_pem = material->key_pem;
  }
  auto& requests = metrics.counter("ops_requests", "Requests to the ops endpoints, by path and HTTP status");
  return start_ops_server(o, [&metrics, &readiness, &requests](std::string_view method, std::string_view target) {
    OpsResponse r = route_ops(method, target, readiness.snapshot(), [&metrics] { return metrics.serialize(); });
    const std::string_view path = target.substr(0, target.find('?'));
    const bool known = path == "/healthz" || path == "/readyz" || path == "/metrics";
    requests.Add({{"path", known ? std::string(path) : "other"}, {"code", std::to_string(r.status)}}).Increment();
    return r;
  });
}

// Runs readiness checks every second and mirrors the result into gRPC health and a gauge.
class ReadinessPoller {
 public:
  ReadinessPoller(Readiness& r, prometheus::Gauge& gauge, prometheus::Family<prometheus::Counter>& failures)
      : readiness_(r), gauge_(gauge), failures_(failures) {
    tick();
    thread_ = std::thread([this] { loop(); });
  }
  ~ReadinessPoller() { stop(); }
  void stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void tick() {
    gauge_.Set(readiness_.poll() ? 1 : 0);
    for (const auto& [name, ok] : readiness_.snapshot().checks) {
      if (!ok) failures_.Add({{"check", name}}).Increment();
    }
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
  prometheus::Family<prometheus::Counter>& failures_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Waits for SIGTERM/SIGINT; runs the reload hook on SIGHUP.
int wait_for_stop(const sigset_t& set, const std::function<void()>& reload) {
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log::info("reload requested");
      if (reload) reload();
      continue;
    }
    return sig;
  }
}

}  // namespace

int run_configured(const ServiceSpec& spec, const config::Values& v, const sigset_t& signals) {
  log::set_service(spec.name);
  log::Level level = log::Level::kInfo;
  log::parse_level(v.str("log.level"), level);
  log::set_level(level);
  route_grpc_logs();

  metrics::Factory metrics(spec.name, BW_VERSION);
  auto& ready_gauge = metrics.gauge("ready", "1 when the service passes its readiness checks").Add({});
  Readiness readiness;
  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(make_grpc_metrics(metrics));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
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
  Error tls_error;
  auto creds = server_credentials(v, spec, tls_error);
  if (!creds) {
    log::error("start failed", {{"reason", tls_error.message}});
    return 1;
  }
  int grpc_port = 0;
  // gRPC sets SO_REUSEPORT by default: a second instance would then share the port
  // silently instead of failing. One listener per address, always.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(v.str("server.grpc_listen"), creds, &grpc_port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || grpc_port == 0) {
    log::error("start failed", {{"reason", "cannot listen on " + v.str("server.grpc_listen")}});
    return 1;
  }
  auto ops = start_ops(v, metrics, readiness);
  if (!ops) {
    log::error("start failed", {{"reason", ops.error().message}});
    server->Shutdown();
    return 1;
  }
  ReadinessPoller poller(readiness, ready_gauge,
                         metrics.counter("readiness_check_failures", "Failed readiness checks, by check"));
  log::info("started", {{"grpc_port", grpc_port}, {"ops_port", ops.value()->port()},
                        {"tls", !v.boolean("tls.plaintext")}, {"mutual_tls", v.str("tls.client_auth") == "require"},
                        {"version", BW_VERSION}});

  const int sig = wait_for_stop(signals, ctx.reload_);
  const auto drain = v.duration("server.drain_timeout");
  log::info("draining", {{"signal", sig}, {"drain_timeout_ms", drain.count()}});
  readiness.drain();
  health.shutdown();
  poller.stop();
  server->Shutdown(std::chrono::system_clock::now() + drain);
  server->Wait();
  ops.value()->stop();
  for (auto& hook : ctx.stop_hooks_) hook();
  log::info("stopped");
  return 0;
}

}  // namespace bw::service
