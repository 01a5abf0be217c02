// The frame every Breakwater service runs in: command line, configuration, logging,
// metrics, the gRPC server with grpc.health.v1, the operations HTTP endpoints, and
// signal handling with a graceful drain.
//
// A service's main() only fills a ServiceSpec and calls run_service(). Contract:
//   - `--help` prints usage and every configuration key; `--version`; `--check-config`
//     validates the configuration and exits 0 (or 2 with the error);
//   - a configuration error (including an unreadable certificate or key, or a failed
//     ServiceSpec::validate) is printed naming the key and the process exits 2 before
//     opening any port; a start-up failure (port taken) exits 1;
//   - SIGTERM/SIGINT: readiness and gRPC health turn NOT_SERVING at once; new calls are
//     still served for server.drain_delay (so load balancers notice first), then in-flight
//     calls get up to server.drain_timeout, then the process exits 0; SIGHUP calls the
//     service's reload hook, if any.
#pragma once

#include <grpcpp/server_builder.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bw/config/config.hpp"
#include "bw/metrics/metrics.hpp"
#include "bw/result.hpp"
#include "bw/service/readiness.hpp"

namespace bw::service {

// What a service sees while it starts: register gRPC services and readiness checks,
// create metrics, and keep objects alive for the life of the process.
class ServiceContext {
 public:
  ServiceContext(const config::Values& values, metrics::Factory& metrics, Readiness& readiness,
                 grpc::ServerBuilder& builder)
      : values_(values), metrics_(metrics), readiness_(readiness), builder_(builder) {}
  // Destroys kept objects in the reverse order of keep(), so later objects may use
  // earlier ones (an actor system may use a Redis pool kept before it).
  ~ServiceContext();
  ServiceContext(const ServiceContext&) = delete;
  ServiceContext& operator=(const ServiceContext&) = delete;

  const config::Values& config() const { return values_; }
  metrics::Factory& metrics() { return metrics_; }
  Readiness& readiness() { return readiness_; }
  // The service must outlive the server: pass ownership here. full_name (e.g.
  // "breakwater.relay.v1.Relay") is what gRPC health answers for.
  void add_grpc_service(std::shared_ptr<grpc::Service> service, std::string full_name);
  const std::vector<std::string>& grpc_service_names() const { return grpc_names_; }
  // Keeps an object alive until the process has stopped serving.
  void keep(std::shared_ptr<void> object) { kept_.push_back(std::move(object)); }
  // Called on SIGHUP (e.g. to reload rules).
  void on_reload(std::function<void()> hook) { reload_ = std::move(hook); }
  // Called once when SIGTERM/SIGINT starts the drain (readiness already NOT_SERVING),
  // before drain_delay: e.g. to tell long-lived streams to reconnect elsewhere.
  void on_drain(std::function<void()> hook) { drain_hooks_.push_back(std::move(hook)); }
  void run_drain_hooks();
  // Called once after the gRPC server has stopped, before exit, in registration order.
  void on_stop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }

  void reload() const;
  void run_stop_hooks();

 private:
  std::function<void()> reload_;
  std::vector<std::function<void()>> stop_hooks_;
  std::vector<std::function<void()>> drain_hooks_;
  std::vector<std::shared_ptr<void>> kept_;
  std::vector<std::string> grpc_names_;
  const config::Values& values_;
  metrics::Factory& metrics_;
  Readiness& readiness_;
  grpc::ServerBuilder& builder_;
};

struct ServiceSpec {
  std::string name;                 // "auth": binary breakwater-auth, metrics breakwater_auth_*
  std::string summary;              // one line for --help
  std::string extra_help;           // printed by --help after the options (e.g. subcommands)
  std::uint16_t grpc_port = 0;      // default port of server.grpc_listen
  std::uint16_t ops_port = 0;       // default port of ops.listen
  bool require_client_certs = true; // internal API: mutual TLS under the cluster CA
  std::function<void(config::Schema&)> add_config;          // service-specific keys
  // Checks the service's own settings beyond types (files readable, combinations valid)
  // without opening any connection; run by --check-config and before start. An error
  // here exits 2 like any configuration error.
  std::function<Status(const config::Values&)> validate;
  std::function<Status(ServiceContext&)> start;             // register services and checks
};

// Adds the keys every service shares (server.*, tls.*, ops.*, log.*).
void add_common_keys(config::Schema& schema, const ServiceSpec& spec);

// Validates the shared keys beyond their types: TLS files readable (keys private), no
// plaintext listener that claims to require client certificates.
Status validate_common(const config::Values& values);

int run_service(int argc, char** argv, const ServiceSpec& spec);

}  // namespace bw::service
