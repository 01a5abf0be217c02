// breakwater-ratelimit: every quota decision, atomic in Redis; Envoy's RateLimitService API.
#include "bw/redis/redis_config.hpp"
#include "bw/service/service_main.hpp"

namespace {

bw::Status start(bw::service::ServiceContext& ctx) {
  auto pool = bw::redis::make_pool(ctx.config());
  if (!pool) return pool.error();
  ctx.readiness().add_check("redis", [p = pool.value()] { return bw::redis::ping(*p); });
  ctx.keep_alive_.push_back(pool.value());
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
  spec.start = start;
  return bw::service::run_service(argc, argv, spec);
}
