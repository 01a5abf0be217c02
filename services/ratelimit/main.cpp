// breakwater-ratelimit: every quota decision, atomic in Redis; Envoy's RateLimitService API.
#include "bw/log/log.hpp"
#include "bw/redis/redis_config.hpp"
#include "bw/service/service_main.hpp"
#include "grpc_service.hpp"
#include "rules_files.hpp"

namespace {

bw::Status validate(const bw::config::Values& values) {
  if (auto st = bw::redis::validate_config(values); !st) return st;
  auto rules = bw::ratelimit::load_rule_files(values.list("ratelimit.rules_files"));
  if (!rules) return rules.error();
  return {};
}

bw::Status start(bw::service::ServiceContext& ctx) {
  auto redis = bw::redis::make_clients(ctx.config());
  if (!redis) return redis.error();
  auto rules = bw::ratelimit::load_rule_files(ctx.config().list("ratelimit.rules_files"));
  if (!rules) return rules.error();
  ctx.readiness().add_check("redis", [probe = redis->probe] { return probe->ping(); });
  ctx.keep(redis->probe);
  auto limiter = std::make_shared<bw::ratelimit::Limiter>(
      std::make_shared<const bw::ratelimit::RuleSet>(std::move(rules.value())), redis->pool, ctx.metrics());
  ctx.add_grpc_service(std::make_shared<bw::ratelimit::RateLimitGrpcService>(limiter),
                       "envoy.service.ratelimit.v3.RateLimitService");
  auto reloads = ctx.metrics().counter("rules_reloads", "Rule reloads on SIGHUP, by result");
  ctx.on_reload([limiter, reloads, files = ctx.config().list("ratelimit.rules_files")] {
    auto fresh = bw::ratelimit::load_rule_files(files);
    if (!fresh) {  // a bad file never replaces good rules
      reloads.add({{"result", "rejected"}}).Increment();
      bw::log::error("rules reload rejected; keeping the previous rules", {{"reason", fresh.error().message}});
      return;
    }
    const auto domains = fresh->domain_count();
    limiter->replace_rules(std::make_shared<const bw::ratelimit::RuleSet>(std::move(fresh.value())));
    reloads.add({{"result", "applied"}}).Increment();
    bw::log::info("rules reloaded", {{"domains", domains}});
  });
  ctx.keep(limiter);
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
  spec.add_config = [](bw::config::Schema& s) {
    bw::redis::add_config_keys(s);
    s.add({.path = "ratelimit.rules_files", .type = bw::config::Type::kStringList, .default_value = "",
           .help = "rule files in Envoy's rate limit service format (one domain per document)"});
  };
  spec.validate = validate;
  spec.start = start;
  return bw::service::run_service(argc, argv, spec);
}
