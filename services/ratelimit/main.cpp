// breakwater-ratelimit: every quota decision, atomic in Redis; Envoy's RateLimitService API.
#include "bw/auditclient/audit_config.hpp"
#include "bw/log/log.hpp"
#include "bw/redis/redis_config.hpp"
#include "bw/service/service_main.hpp"
#include "grpc_service.hpp"
#include "quota_service.hpp"
#include "ratelimit_audit.hpp"
#include "rules_files.hpp"
#include "rules_watcher.hpp"

namespace {

bw::Status validate(const bw::config::Values& values) {
  if (auto st = bw::redis::validate_config(values); !st) return st;
  if (auto st = bw::auditclient::validate_config(values); !st) return st;
  auto rules = bw::ratelimit::load_rule_files(values.list("ratelimit.rules_files"));
  if (!rules) return rules.error();
  return {};
}

bw::ratelimit::QuotaOptions quota_options(const bw::config::Values& v) {
  bw::ratelimit::QuotaOptions o;
  o.lease.ttl_ms = v.duration("ratelimit.lease_ttl").count();
  o.lease.max_tokens = v.integer("ratelimit.lease_max_tokens");
  o.lease.max_percent = v.integer("ratelimit.lease_max_percent");
  o.lockout.account = {v.integer("ratelimit.lockout_account_threshold"),
                       v.duration("ratelimit.lockout_account_window").count(),
                       v.duration("ratelimit.lockout_account_ban").count()};
  o.lockout.address = {v.integer("ratelimit.lockout_address_threshold"),
                       v.duration("ratelimit.lockout_address_window").count(),
                       v.duration("ratelimit.lockout_address_ban").count()};
  return o;
}

void add_quota_keys(bw::config::Schema& s) {
  using bw::config::Type;
  constexpr std::int64_t kWeekMs = 7LL * 24 * 3600 * 1000;
  s.add({.path = "ratelimit.lease_ttl", .type = Type::kDuration, .default_value = "10s",
         .help = "longest time a quota lease may be spent (a fixed-window lease also ends with its window)",
         .min = 100, .max = 300'000});
  s.add({.path = "ratelimit.lease_max_tokens", .type = Type::kInt, .default_value = "1000",
         .help = "most tokens one lease may hold", .min = 1, .max = 1'000'000});
  s.add({.path = "ratelimit.lease_max_percent", .type = Type::kInt, .default_value = "25",
         .help = "most of a rule's limit (GCRA: burst) one lease may hold, in percent", .min = 1, .max = 100});
  s.add({.path = "ratelimit.lockout_account_threshold", .type = Type::kInt, .default_value = "10",
         .help = "failures per account that start a ban", .min = 1, .max = 1'000'000});
  s.add({.path = "ratelimit.lockout_account_window", .type = Type::kDuration, .default_value = "15m",
         .help = "how long account failures are counted from the first", .min = 1000, .max = kWeekMs});
  s.add({.path = "ratelimit.lockout_account_ban", .type = Type::kDuration, .default_value = "15m",
         .help = "how long an account ban lasts", .min = 1000, .max = kWeekMs});
  s.add({.path = "ratelimit.lockout_address_threshold", .type = Type::kInt, .default_value = "30",
         .help = "failures per source address that start a ban", .min = 1, .max = 1'000'000});
  s.add({.path = "ratelimit.lockout_address_window", .type = Type::kDuration, .default_value = "24h",
         .help = "how long address failures are counted from the first", .min = 1000, .max = kWeekMs});
  s.add({.path = "ratelimit.lockout_address_ban", .type = Type::kDuration, .default_value = "24h",
         .help = "how long an address ban lasts", .min = 1000, .max = kWeekMs});
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
  auto producer = bw::auditclient::Producer::from_config(ctx.config(), ctx.metrics(), "ratelimit");
  if (!producer) return producer.error();
  auto audit = std::make_shared<bw::ratelimit::RatelimitAudit>(producer.value());
  auto initial_rules = std::make_shared<const bw::ratelimit::RuleSet>(std::move(rules.value()));
  bw::ratelimit::LimiterOptions limiter_options;
  limiter_options.audit = audit;
  auto limiter = std::make_shared<bw::ratelimit::Limiter>(initial_rules, redis->pool, ctx.metrics(), limiter_options);
  ctx.add_grpc_service(std::make_shared<bw::ratelimit::RateLimitGrpcService>(limiter),
                       "envoy.service.ratelimit.v3.RateLimitService");
  // The Quota API gets its own connections, so ShouldRateLimit load never starves logins.
  auto quota_redis = bw::redis::make_clients(ctx.config());
  if (!quota_redis) return quota_redis.error();
  auto options = quota_options(ctx.config());
  options.audit = audit;
  auto quota = std::make_shared<bw::ratelimit::QuotaService>(initial_rules, quota_redis->pool, std::move(options),
                                                             ctx.metrics());
  ctx.add_grpc_service(quota, "breakwater.ratelimit.v1.Quota");
  // One reload path for SIGHUP and for a changed file (ConfigMap symlink swaps included).
  auto watcher = std::make_shared<bw::ratelimit::RulesWatcher>(
      rule_paths, files->fingerprint,
      [limiter, quota](auto fresh) {
        limiter->replace_rules(fresh);
        quota->replace_rules(fresh);
      },
      ctx.metrics());
  ctx.on_reload([watcher] { watcher->reload("SIGHUP"); });
  watcher->start(ctx.config().duration("ratelimit.reload_interval"));
  ctx.on_stop([watcher] { watcher->stop(); });
  ctx.keep(watcher);
  ctx.keep(limiter);
  // After the gRPC server stopped: flush the last events within audit.shutdown_timeout.
  ctx.on_stop([producer = producer.value()] { producer->stop(); });
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
    add_quota_keys(s);
    bw::auditclient::add_config_keys(s);
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
