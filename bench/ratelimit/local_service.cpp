// Local Redis + breakwater-ratelimit for the benchmark (see local_service.hpp).
#include "local_service.hpp"

#include <chrono>
#include <fstream>

#include "bw/testing/ports.hpp"

namespace bw::bench {
namespace {

constexpr const char* kRules = R"(domain: bench
descriptors:
  - key: tenant
    rate_limit: {unit: hour, requests_per_unit: 1000000000}
)";
constexpr const char* kRedisPassword = "bench-redis-password";

Error step_failed(const std::string& step, const Error& e) { return Error{e.code, step + ": " + e.message}; }

// Production settings but for addresses and files: loopback ports, the dev PKI, no drain delay.
std::vector<std::string> service_env(const std::string& pki, const std::string& rules, std::uint16_t grpc_port,
                                     std::uint16_t redis_port) {
  return {
      "BREAKWATER_SERVER_GRPC_LISTEN=127.0.0.1:" + std::to_string(grpc_port),
      "BREAKWATER_OPS_LISTEN=127.0.0.1:" + std::to_string(testing::free_loopback_port()),
      "BREAKWATER_TLS_CERT_FILE=" + pki + "/ratelimit.pem",
      "BREAKWATER_TLS_KEY_FILE=" + pki + "/ratelimit-key.pem",
      "BREAKWATER_TLS_CA_FILE=" + pki + "/ca.pem",
      "BREAKWATER_SERVER_DRAIN_DELAY=0s",
      "BREAKWATER_SERVER_DRAIN_TIMEOUT=1s",
      "BREAKWATER_REDIS_ADDRESS=127.0.0.1:" + std::to_string(redis_port),
      "BREAKWATER_REDIS_PASSWORD=" + std::string(kRedisPassword),
      "BREAKWATER_RATELIMIT_RULES_FILES=" + rules,
  };
}

}  // namespace

Result<LocalService> LocalService::start(const LocalOptions& options) {
  LocalService s;
  auto dir = testing::TempDir::create("bw-bench-");
  if (!dir) return step_failed("temporary folder", dir.error());
  s.dir_.emplace(std::move(dir.value()));
  const std::string pki = (s.dir_->path() / "pki").string();
  auto made = testing::run_to_exit({.program = "bash", .args = {options.dev_pki_script, pki, "ratelimit", "operator"}},
                                   std::chrono::seconds(60));
  if (!made) return step_failed("dev-pki.sh", made.error());
  const std::string rules = (s.dir_->path() / "rules.yaml").string();
  std::ofstream(rules) << kRules;

  auto redis = testing::RedisServer::start({.password = kRedisPassword});
  if (!redis) return step_failed("redis-server", redis.error());
  s.redis_server_.emplace(std::move(redis.value()));
  s.redis_options_.host = s.redis_server_->host();
  s.redis_options_.port = s.redis_server_->port();
  s.redis_options_.password = kRedisPassword;

  const auto grpc_port = testing::free_loopback_port();
  auto env = service_env(pki, rules, grpc_port, s.redis_options_.port);
  env.insert(env.end(), options.extra_env.begin(), options.extra_env.end());
  auto child = testing::ChildProcess::spawn({.program = options.binary, .env = env, .log_name = "ratelimit"});
  if (!child) return step_failed("breakwater-ratelimit", child.error());
  s.service_.emplace(std::move(child.value()));
  if (auto st = s.service_->wait_for_output("\"event\":\"started\"", std::chrono::seconds(20)); !st) {
    return step_failed("breakwater-ratelimit did not start", st.error());
  }
  s.target_ = {.address = "127.0.0.1:" + std::to_string(grpc_port),
               .tls = {pki + "/operator.pem", pki + "/operator-key.pem", pki + "/ca.pem"},
               .server_name = "localhost",
               .domain = "bench"};
  return s;
}

}  // namespace bw::bench
