// breakwater-ratelimit: every quota decision, atomic in Redis; Envoy's RateLimitService API.
#include "bw/log/log.hpp"
#include "bw/redis/redis_config.hpp"
#include "bw/service/service_main.hpp"
#include "grpc_service.hpp"
#include "rules_files.hpp"
#include "rules_watcher.hpp"

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
  const auto& rule_paths = ctx.config().list("ratelimit.rules_files");
  auto files = bw::ratelimit::read_rule_files(rule_paths);
  if (!files) return files.error();
  auto rules = bw::ratelimit::load_rules(files->files);
  if (!rules) return rules.error();
  ctx.readiness().add_check("redis", [probe = redis->probe] { return probe->ping(); });
  ctx.keep(redis->probe);
  auto limiter = std::make_shared<bw::ratelimit::Limiter>(
      std::make_shared<const bw::ratelimit::RuleSet>(std::move(rules.value())), redis->pool, ctx.metrics());
  ctx.add_grpc_service(std::make_shared<bw::ratelimit::RateLimitGrpcService>(limiter),
                       "envoy.service.ratelimit.v3.RateLimitService");
  // One reload path for SIGHUP and for a changed file (ConfigMap symlink swaps included).
  auto watcher = std::make_shared<bw::ratelimit::RulesWatcher>(
      rule_paths, files->fingerprint, [limiter](auto fresh) { limiter->replace_rules(fresh); }, ctx.metrics());
  ctx.on_reload([watcher] { watcher->reload("SIGHUP"); });
  watcher->start(ctx.config().duration("ratelimit.reload_interval"));
  ctx.on_stop([watcher] { watcher->stop(); });
  ctx.keep(watcher);
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
    s.add({.path = "ratelimit.reload_interval", .type = bw::config::Type::kDuration, .default_value = "5s",
           .help = "how often the rule files are re-read; a changed content is reloaded as on SIGHUP (0s: never)",
           .min = 0, .max = 3'600'000});
  };
  spec.validate = validate;
  spec.start = start;
  return bw::service::run_service(argc, argv, spec);
}
