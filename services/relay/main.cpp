// breakwater-relay: routes end-to-end encrypted envelopes between agents and clients
// (DESIGN §4). Its gRPC listener faces agents on users' machines, which authenticate with
// device tokens, not cluster certificates; hence no client-certificate requirement.
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <memory>

#include "bw/redis/redis_config.hpp"
#include "bw/service/service_main.hpp"

namespace {

// The actor system that will hold connection, router and Redis actors. The config must
// outlive the system, so both live in one object, destroyed system first.
struct Actors {
  explicit Actors(std::size_t threads) {
    cfg.set("scheduler.max-threads", threads);
    system = std::make_unique<caf::actor_system>(cfg);
  }
  ~Actors() { system.reset(); }
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
};

bw::Status start(bw::service::ServiceContext& ctx) {
  auto redis = bw::redis::make_clients(ctx.config());
  if (!redis) return redis.error();
  ctx.readiness().add_check("redis", [probe = redis->probe] { return probe->ping(); });
  ctx.keep(redis->probe);
  ctx.keep(redis->pool);
  const auto threads = static_cast<std::size_t>(ctx.config().integer("relay.actor_threads"));
  ctx.keep(std::make_shared<Actors>(threads));  // kept last: destroyed first
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  bw::service::ServiceSpec spec;
  spec.name = "relay";
  spec.summary = "end-to-end encrypted message relay between agents and clients";
  spec.grpc_port = 7440;
  spec.ops_port = 9440;
  spec.require_client_certs = false;
  spec.add_config = [](bw::config::Schema& s) {
    bw::redis::add_config_keys(s);
    s.add({.path = "relay.actor_threads", .type = bw::config::Type::kInt, .default_value = "2",
           .help = "CAF scheduler worker threads", .min = 1, .max = 64});
  };
  spec.validate = bw::redis::validate_config;
  spec.start = start;
  return bw::service::run_service(argc, argv, spec);
}
