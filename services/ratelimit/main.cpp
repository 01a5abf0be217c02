// breakwater-ratelimit: every quota decision, atomic in Redis; Envoy's RateLimitService API.
#include "bw/redis/redis_config.hpp"
#include "bw/service/service_main.hpp"

namespace {

bw::Status start(bw::service::ServiceContext& ctx) {
  auto redis = bw::redis::make_clients(ctx.config());
  if (!redis) return redis.error();
  ctx.readiness().add_check("redis", [probe = redis->probe] { return probe->ping(); });
  ctx.keep(redis->probe);
  ctx.keep(redis->pool);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  bw::service::ServiceSpec spec;
  spec.name = "ratelimit";
  spec.summary = "rate limits, quota leases, one-time checks and lockout counters";
  spec.grpc_port = 7420;
  spec.ops_port = 9420;
  spec.require_client_certs = true;
  spec.add_config = bw::redis::add_config_keys;
  spec.validate = bw::redis::validate_config;
  spec.start = start;
  return bw::service::run_service(argc, argv, spec);
}
