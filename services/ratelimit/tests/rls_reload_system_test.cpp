// breakwater-ratelimit reloads its rule files when they change on disk, without a signal:
// an in-place rewrite and a Kubernetes-style ConfigMap symlink swap are both picked up, and
// a bad file is rejected with its line while the previous rules stay.
#include <csignal>
#include <filesystem>
#include <fstream>

#include "bw/testing/redis_server.hpp"
#include "rls_system_support.hpp"

namespace bw::testing {
namespace {

namespace fs = std::filesystem;

std::string tenant_rules(int limit) {
  return "domain: api\ndescriptors:\n  - key: tenant\n    rate_limit: {unit: hour, requests_per_unit: " +
         std::to_string(limit) + "}\n";
}

class RlsReload : public RlsSystemTest {
 protected:
  static std::uint32_t limit_now(RlsStub& s) {
    RateLimitResponse res;
    EXPECT_TRUE(ask(s, "api", "tenant", "t", res).ok());
    return res.statuses_size() == 1 ? res.statuses(0).current_limit().requests_per_unit() : 0;
  }
};

TEST_F(RlsReload, RewrittenFileIsReloadedAndABadOneRejected) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis) << redis.error().message;
  write_rules(tenant_rules(5));
  auto svc = start(redis->port(), {"BREAKWATER_RATELIMIT_RELOAD_INTERVAL=100ms"});
  ASSERT_TRUE(svc) << svc.error().message;
  auto s = stub(svc->grpc_port);
  EXPECT_EQ(limit_now(*s), 5u);

  write_rules(tenant_rules(42));
  ASSERT_TRUE(svc->process.wait_for_output("\"trigger\":\"file change\"", std::chrono::seconds(10)))
      << svc->process.output();
  EXPECT_EQ(limit_now(*s), 42u);

  write_rules("domain: api\ndescriptors:\n  - key: tenant\n    rate_limit: {unit: fortnight}\n");
  ASSERT_TRUE(svc->process.wait_for_output("rules reload rejected", std::chrono::seconds(10)));
  EXPECT_NE(svc->process.output().find("rules.yaml:4"), std::string::npos) << svc->process.output();
  EXPECT_EQ(limit_now(*s), 42u);  // the previous rules stay
  const std::string name = "breakwater_ratelimit_rules_reloads_total";
  EXPECT_EQ(metric(*svc, name, {"result=\"applied\""}), 1);
  EXPECT_EQ(metric(*svc, name, {"result=\"rejected\""}), 1);  // once per bad edit, not per poll
  // SIGTERM stops the watcher thread with the rest: a clean exit, no SIGKILL needed.
  const auto ended = svc->process.terminate(SIGTERM, std::chrono::seconds(15));
  EXPECT_EQ(ended.describe(), "exit 0");
}

// A ConfigMap volume: rules.yaml -> ..data/rules.yaml, ..data -> ..<version>; kubelet
// updates by creating a new version folder and renaming a new ..data link over the old one.
TEST_F(RlsReload, ConfigMapSymlinkSwapIsReloaded) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis) << redis.error().message;
  const fs::path mount = dir_->path() / "mount";
  fs::create_directories(mount / "..v1");
  std::ofstream(mount / "..v1" / "rules.yaml") << tenant_rules(7);
  fs::create_directory_symlink("..v1", mount / "..data");
  fs::create_symlink("..data/rules.yaml", mount / "rules.yaml");
  rules_ = (mount / "rules.yaml").string();
  auto svc = start(redis->port(), {"BREAKWATER_RATELIMIT_RELOAD_INTERVAL=100ms"});
  ASSERT_TRUE(svc) << svc.error().message;
  auto s = stub(svc->grpc_port);
  EXPECT_EQ(limit_now(*s), 7u);

  fs::create_directories(mount / "..v2");
  std::ofstream(mount / "..v2" / "rules.yaml") << tenant_rules(99);
  fs::create_directory_symlink("..v2", mount / "..data_tmp");
  fs::rename(mount / "..data_tmp", mount / "..data");  // atomic swap, as the kubelet does
  fs::remove_all(mount / "..v1");
  ASSERT_TRUE(svc->process.wait_for_output("\"trigger\":\"file change\"", std::chrono::seconds(10)))
      << svc->process.output();
  EXPECT_EQ(limit_now(*s), 99u);
}

}  // namespace
}  // namespace bw::testing
