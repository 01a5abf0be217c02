// System test fixture (see system_fixture.hpp).
#include "system_fixture.hpp"

#include <chrono>
#include <cstdlib>

#include "bw/testing/binaries.hpp"
#include "bw/testing/ports.hpp"

namespace bw::testing {

std::unique_ptr<TempDir> SystemFixture::dir_;
std::unique_ptr<RedisServer> SystemFixture::redis_;

Status make_dev_pki(const std::string& dir, const std::string& names) {
  const char* src = std::getenv("BW_SOURCE_DIR");
  if (!src) return Error{1, "BW_SOURCE_DIR is not set (run the test through ctest)"};
  const std::string cmd = "bash '" + std::string(src) + "/scripts/dev-pki.sh' '" + dir + "' " + names;
  if (const int rc = std::system(cmd.c_str()); rc != 0) return Error{rc, "dev-pki.sh failed: " + cmd};
  return {};
}

void SystemFixture::SetUpTestSuite() {
  auto dir = TempDir::create("bw-system-");
  ASSERT_TRUE(dir) << dir.error().message;
  dir_ = std::make_unique<TempDir>(std::move(dir.value()));
  auto st = make_dev_pki((dir_->path() / "pki").string(), "auth relay ratelimit audit operator");
  ASSERT_TRUE(st) << st.error().message;
  auto redis = RedisServer::start({.password = "system-test-redis-password"});
  ASSERT_TRUE(redis) << redis.error().message;
  redis_ = std::make_unique<RedisServer>(std::move(redis.value()));
}

void SystemFixture::TearDownTestSuite() {
  redis_.reset();
  dir_.reset();
}

std::string SystemFixture::pki(const std::string& file) { return (dir_->path() / "pki" / file).string(); }

Result<std::string> SystemFixture::other_ca_file() {
  const std::string other = (dir_->path() / "other-pki").string();
  if (auto st = make_dev_pki(other, "operator"); !st) return st.error();
  return other + "/ca.pem";
}

std::vector<std::string> SystemFixture::service_env(const std::string& name, std::uint16_t grpc_port,
                                                    std::uint16_t ops_port) {
  std::vector<std::string> env = {
      "BREAKWATER_SERVER_GRPC_LISTEN=127.0.0.1:" + std::to_string(grpc_port),
      "BREAKWATER_OPS_LISTEN=127.0.0.1:" + std::to_string(ops_port),
      "BREAKWATER_TLS_CERT_FILE=" + pki(name + ".pem"),
      "BREAKWATER_TLS_KEY_FILE=" + pki(name + "-key.pem"),
      "BREAKWATER_TLS_CA_FILE=" + ca_file(),
      "BREAKWATER_SERVER_DRAIN_TIMEOUT=1s",
  };
  if (name == "relay" || name == "ratelimit" || name == "auth") {
    env.push_back("BREAKWATER_REDIS_ADDRESS=127.0.0.1:" + std::to_string(redis_->port()));
    env.push_back("BREAKWATER_REDIS_PASSWORD=" + redis_->password());
  }
  if (name == "relay") {
    // The relay needs an auth service to admit anyone; suites that connect agents or
    // clients override these. Port 1 refuses at once: every Hello gets UNAVAILABLE.
    env.push_back("BREAKWATER_RELAY_AUTH_ADDRESS=127.0.0.1:1");
    env.push_back("BREAKWATER_RELAY_AUTH_SERVER_NAME=localhost");
    env.push_back("BREAKWATER_RELAY_AUTH_ISSUER=https://auth.test");
    env.push_back("BREAKWATER_RELAY_WS_LISTEN=127.0.0.1:0");
    env.push_back("BREAKWATER_RELAY_WS_ALLOWED_HOSTS=localhost,127.0.0.1");
  }
  return env;
}

Result<RunningService> SystemFixture::start_service(const std::string& name, std::vector<std::string> extra_env) {
  auto binary = built_binary("breakwater-" + name);
  if (!binary) return binary.error();
  const std::uint16_t grpc_port = free_loopback_port();
  const std::uint16_t ops_port = free_loopback_port();
  auto env = service_env(name, grpc_port, ops_port);
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  auto child = ChildProcess::spawn({.program = binary->string(), .env = env, .log_name = name});
  if (!child) return child.error();
  if (auto st = child->wait_for_output("\"event\":\"started\"", std::chrono::seconds(20)); !st) return st.error();
  return RunningService{std::move(child.value()), grpc_port, ops_port};
}

}  // namespace bw::testing
