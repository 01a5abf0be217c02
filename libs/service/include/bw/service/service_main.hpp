// The frame every Breakwater service runs in: command line, configuration, logging,
// metrics, the gRPC server with grpc.health.v1, the operations HTTP endpoints, and
// signal handling with a graceful drain.
//
// A service's main() only fills a ServiceSpec and calls run_service(). Contract:
//   - `--help` prints usage and every configuration key; `--version`; `--check-config`
//     validates the configuration and exits 0 (or 2 with the error);
//   - a configuration error is printed naming the key and the process exits 2 before
//     opening any port; a start-up failure (port taken, bad certificate) exits 1;
//   - SIGTERM/SIGINT: readiness and gRPC health turn NOT_SERVING at once, in-flight
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

  const config::Values& config() const { return values_; }
  metrics::Factory& metrics() { return metrics_; }
  Readiness& readiness() { return readiness_; }
  // The service must outlive the server: pass ownership here. full_name (e.g.
  // "breakwater.relay.v1.Relay") is what gRPC health answers for.
  void add_grpc_service(std::shared_ptr<grpc::Service> service, std::string full_name);
  const std::vector<std::string>& grpc_service_names() const { return grpc_names_; }
  // Called on SIGHUP (e.g. to reload rules); may be set once.
  void on_reload(std::function<void()> hook) { reload_ = std::move(hook); }
  // Called once after the gRPC server has stopped, before exit.
  void on_stop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }

  std::function<void()> reload_;
  std::vector<std::function<void()>> stop_hooks_;
  std::vector<std::shared_ptr<void>> keep_alive_;

 private:
  std::vector<std::string> grpc_names_;
  const config::Values& values_;
  metrics::Factory& metrics_;
  Readiness& readiness_;
  grpc::ServerBuilder& builder_;
};

struct ServiceSpec {
  std::string name;                 // "auth": binary breakwater-auth, metrics breakwater_auth_*
  std::string summary;              // one line for --help
  std::uint16_t grpc_port = 0;      // default port of server.grpc_listen
  std::uint16_t ops_port = 0;       // default port of ops.listen
  bool require_client_certs = true; // internal API: mutual TLS under the cluster CA
  std::function<void(config::Schema&)> add_config;          // service-specific keys
  std::function<Status(ServiceContext&)> start;             // register services and checks
};

// Adds the keys every service shares (server.*, tls.*, ops.*, log.*).
void add_common_keys(config::Schema& schema, const ServiceSpec& spec);

int run_service(int argc, char** argv, const ServiceSpec& spec);

}  // namespace bw::service
