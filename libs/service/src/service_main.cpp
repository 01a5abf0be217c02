// The service frame's front half (see service_main.hpp): command line, help and
// configuration. Signals are blocked here, before any thread starts, so every thread
// inherits the mask and only the main thread takes them (service_runner.cpp).
#include "bw/service/service_main.hpp"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <iostream>

#include "bw/service/tls.hpp"
#include "service_runner.hpp"

namespace bw::service {
namespace {

struct CommandLine {
  std::string config_path;
  bool help = false, version = false, check_config = false;
  std::string error;
};

CommandLine parse_command_line(int argc, char** argv) {
  CommandLine cl;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") cl.help = true;
    else if (a == "--version") cl.version = true;
    else if (a == "--check-config") cl.check_config = true;
    else if (a == "--config" && i + 1 < argc) cl.config_path = argv[++i];
    else if (a.starts_with("--config=")) cl.config_path = std::string(a.substr(9));
    else {
      cl.error = "unknown argument '" + std::string(a) + "' (see --help)";
      return cl;
    }
  }
  if (cl.config_path.empty()) {
    if (const char* env = std::getenv("BREAKWATER_CONFIG")) cl.config_path = env;
  }
  return cl;
}

void print_help(const ServiceSpec& spec, const config::Schema& schema) {
  std::cout << "breakwater-" << spec.name << " — " << spec.summary << "\n\n"
            << "Usage: breakwater-" << spec.name << " [--config FILE] [--check-config] [--help] [--version]\n\n"
            << "  --config FILE    YAML configuration (default: $BREAKWATER_CONFIG, else built-in defaults)\n"
            << "  --check-config   validate the configuration and exit (0 valid, 2 invalid)\n"
            << "  --version        print the version\n\n"
            << "Signals: SIGTERM/SIGINT drain and exit; SIGHUP reloads where supported.\n\n"
            << spec.extra_help << (spec.extra_help.empty() ? "" : "\n")
            << "Configuration keys (each overridable by the environment variable shown):\n"
            << schema.describe();
}

sigset_t blocked_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  return set;
}

}  // namespace

ServiceContext::~ServiceContext() {
  while (!kept_.empty()) kept_.pop_back();
}

void ServiceContext::add_grpc_service(std::shared_ptr<grpc::Service> service, std::string full_name) {
  builder_.RegisterService(service.get());
  grpc_names_.push_back(std::move(full_name));
  keep(std::move(service));
}

void ServiceContext::reload() const {
  if (reload_) reload_();
}

void ServiceContext::run_drain_hooks() {
  for (auto& hook : drain_hooks_) hook();
  drain_hooks_.clear();
}

void ServiceContext::run_stop_hooks() {
  for (auto& hook : stop_hooks_) hook();
  stop_hooks_.clear();
}

Status validate_common(const config::Values& v) {
  const bool plaintext = v.boolean("tls.plaintext");
  if (plaintext && v.str("tls.client_auth") == "require") {
    return Error{config::kBadEnum, "config: tls.plaintext: true cannot require client certificates; "
                                   "set tls.client_auth: none as well (the proxy in front authenticates callers)"};
  }
  const TlsFiles files{v.str("tls.cert_file"), v.str("tls.key_file"), v.str("tls.ca_file")};
  const bool need_identity = !plaintext || !v.boolean("ops.plaintext");
  const bool need_ca = !plaintext && v.str("tls.client_auth") == "require";
  if (auto m = load_tls(files, need_identity, need_ca); !m) return Error{m.error().code, "config: " + m.error().message};
  return {};
}

void add_common_keys(config::Schema& s, const ServiceSpec& spec) {
  using config::Type;
  s.add({.path = "server.grpc_listen", .default_value = "127.0.0.1:" + std::to_string(spec.grpc_port),
         .help = "gRPC listen address (host:port); use 0.0.0.0 inside a pod"});
  s.add({.path = "server.drain_delay", .type = Type::kDuration, .default_value = "0s",
         .help = "after SIGTERM, keep serving this long while reporting NOT_SERVING", .min = 0, .max = 60'000});
  s.add({.path = "server.drain_timeout", .type = Type::kDuration, .default_value = "3s",
         .help = "then, how long in-flight calls may run", .min = 0, .max = 60'000});
  s.add({.path = "server.max_threads", .type = Type::kInt, .default_value = "64",
         .help = "most threads the gRPC server may use", .min = 4, .max = 4096});
  s.add({.path = "server.max_concurrent_streams", .type = Type::kInt, .default_value = "100",
         .help = "most concurrent calls per client connection", .min = 1, .max = 100'000});
  s.add({.path = "tls.cert_file", .default_value = "", .help = "PEM certificate chain of this service"});
  s.add({.path = "tls.key_file", .default_value = "", .help = "PEM private key (mode 0600 or 0640)"});
  s.add({.path = "tls.ca_file", .default_value = "", .help = "PEM cluster CA that verifies peers"});
  s.add({.path = "tls.client_auth", .default_value = spec.require_client_certs ? "require" : "none",
         .help = "require: callers present a certificate signed by tls.ca_file (mutual TLS)",
         .one_of = {"require", "none"}});
  s.add({.path = "tls.plaintext", .type = Type::kBool, .default_value = "false",
         .help = "serve gRPC without TLS; only behind a proxy or mesh that terminates TLS"});
  s.add({.path = "ops.listen", .default_value = "127.0.0.1:" + std::to_string(spec.ops_port),
         .help = "address of /healthz, /readyz and /metrics"});
  s.add({.path = "ops.plaintext", .type = Type::kBool, .default_value = "false",
         .help = "serve the ops endpoints over plain HTTP (default: HTTPS with tls.cert_file)"});
  s.add({.path = "log.level", .default_value = "info", .help = "debug, info, warn or error",
         .one_of = {"debug", "info", "warn", "error"}});
}

int run_service(int argc, char** argv, const ServiceSpec& spec) {
  const sigset_t set = blocked_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  config::Schema schema;
  add_common_keys(schema, spec);
  if (spec.add_config) spec.add_config(schema);
  const CommandLine cl = parse_command_line(argc, argv);
  if (!cl.error.empty()) {
    std::cerr << "breakwater-" << spec.name << ": " << cl.error << "\n";
    return 2;
  }
  if (cl.help) return print_help(spec, schema), 0;
  if (cl.version) return std::cout << "breakwater-" << spec.name << " " << BW_VERSION << "\n", 0;
  auto values = config::load_file(schema, cl.config_path, config::process_environment());
  if (!values) {
    std::cerr << "breakwater-" << spec.name << ": " << values.error().message << "\n";
    return 2;
  }
  Status valid = validate_common(values.value());
  if (valid && spec.validate) valid = spec.validate(values.value());
  if (!valid) {
    std::cerr << "breakwater-" << spec.name << ": " << valid.error().message << "\n";
    return 2;
  }
  if (cl.check_config) return std::cout << "configuration is valid\n", 0;
  return run_configured(spec, values.value(), set);
}

}  // namespace bw::service
