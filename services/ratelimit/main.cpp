// breakwater-ratelimit: every quota decision, atomic in Redis; Envoy's RateLimitService API.
#include "bw/redis/redis_config.hpp"
#include "bw/service/service_main.hpp"

namespace {

bw::Status validate(const bw::config::Values& values) {
  auto redis = bw::redis::read_config(values);
  if (!redis) return redis.error();
  return {};
}

bw::Status start(bw::service::ServiceContext& ctx) {
  auto redis = bw::redis::read_config(ctx.config());
  if (!redis) return redis.error();
  auto probe = std::make_shared<bw::redis::Probe>(redis.value());
  ctx.readiness().add_check("redis", [probe] { return probe->ping(); });
  ctx.keep(probe);
  ctx.keep(std::make_shared<bw::redis::Pool>(redis->connection, redis->pool_size));
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
  spec.validate = validate;
  spec.start = start;
  return bw::service::run_service(argc, argv, spec);
}
