// breakwater-ratelimit for real, spoken to only through Envoy's RateLimitService messages:
// exact admission, shadow mode, bad input, and the failure modes when Redis is away.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "bw/service/grpc_channel.hpp"
#include "bw/testing/redis_server.hpp"
#include "bw/testing/temp_dir.hpp"
#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "system_fixture.hpp"

namespace bw::testing {
namespace {

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;

constexpr const char* kRules = R"(domain: api
descriptors:
  - key: tenant
    rate_limit: {unit: hour, requests_per_unit: 5}
  - key: probe
    shadow_mode: true
    rate_limit: {unit: hour, requests_per_unit: 1}
---
domain: login
descriptors:
  - key: account
    rate_limit: {unit: hour, requests_per_unit: 100}
)";

class RateLimitRls : public SystemFixture {
 protected:
  void SetUp() override {
    auto dir = TempDir::create("bw-rls-");
    ASSERT_TRUE(dir);
    dir_ = std::make_unique<TempDir>(std::move(dir.value()));
    rules_ = (dir_->path() / "rules.yaml").string();
    std::ofstream(rules_) << kRules;
  }
  Result<RunningService> start(std::uint16_t redis_port) {
    return start_service("ratelimit", {"BREAKWATER_RATELIMIT_RULES_FILES=" + rules_,
                                       "BREAKWATER_REDIS_ADDRESS=127.0.0.1:" + std::to_string(redis_port),
                                       "BREAKWATER_REDIS_PASSWORD=", "BREAKWATER_REDIS_CONNECT_TIMEOUT=200ms",
                                       "BREAKWATER_REDIS_COMMAND_TIMEOUT=300ms"});
  }
  std::unique_ptr<envoy::service::ratelimit::v3::RateLimitService::Stub> stub(std::uint16_t port) {
    service::ChannelOptions o{.target = "127.0.0.1:" + std::to_string(port), .tls = operator_tls(),
                              .server_name = "localhost"};
    auto channel = service::make_channel(o);
    EXPECT_TRUE(channel) << channel.error().message;
    return envoy::service::ratelimit::v3::RateLimitService::NewStub(channel.value());
  }
  static grpc::Status ask(envoy::service::ratelimit::v3::RateLimitService::Stub& s, const std::string& domain,
                          const std::string& key, const std::string& value, RateLimitResponse& res) {
    RateLimitRequest req;
    req.set_domain(domain);
    auto* e = req.add_descriptors()->add_entries();
    e->set_key(key);
    e->set_value(value);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return s.ShouldRateLimit(&ctx, req, &res);
  }
  std::unique_ptr<TempDir> dir_;
  std::string rules_;
};

TEST_F(RateLimitRls, AdmitsExactlyTheLimitThenRefuses) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis) << redis.error().message;
  auto svc = start(redis->port());
  ASSERT_TRUE(svc) << svc.error().message;
  auto s = stub(svc->grpc_port);
  int ok = 0, over = 0;
  for (int i = 0; i < 8; ++i) {
    RateLimitResponse res;
    ASSERT_TRUE(ask(*s, "api", "tenant", "t1", res).ok());
    ASSERT_EQ(res.statuses_size(), 1);
    (res.overall_code() == RateLimitResponse::OK ? ok : over)++;
    EXPECT_EQ(res.statuses(0).current_limit().requests_per_unit(), 5u);
    EXPECT_EQ(res.statuses(0).current_limit().unit(), RateLimitResponse::RateLimit::HOUR);
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(over, 3);
  RateLimitResponse other;  // another tenant has its own counter
  ASSERT_TRUE(ask(*s, "api", "tenant", "t2", other).ok());
  EXPECT_EQ(other.overall_code(), RateLimitResponse::OK);
  EXPECT_EQ(other.statuses(0).limit_remaining(), 4u);
}

TEST_F(RateLimitRls, ShadowModeNeverRefuses) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis);
  auto svc = start(redis->port());
  ASSERT_TRUE(svc) << svc.error().message;
  auto s = stub(svc->grpc_port);
  for (int i = 0; i < 3; ++i) {
    RateLimitResponse res;
    ASSERT_TRUE(ask(*s, "api", "probe", "x", res).ok());
    EXPECT_EQ(res.overall_code(), RateLimitResponse::OK);
  }
}

TEST_F(RateLimitRls, BadRequestsGetInvalidArgument) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis);
  auto svc = start(redis->port());
  ASSERT_TRUE(svc) << svc.error().message;
  auto s = stub(svc->grpc_port);
  RateLimitResponse res;
  EXPECT_EQ(ask(*s, "", "tenant", "t", res).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ask(*s, "nosuch", "tenant", "t", res).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ask(*s, "api", "", "t", res).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ask(*s, "api", "tenant", std::string(5000, 'v'), res).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  RateLimitRequest many;
  many.set_domain("api");
  for (int i = 0; i < 5000; ++i) many.add_descriptors()->add_entries()->set_key("tenant");
  grpc::ClientContext ctx;
  EXPECT_EQ(s->ShouldRateLimit(&ctx, many, &res).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(svc->process.alive());
}

TEST_F(RateLimitRls, WithoutRedisSecurityDomainsRefuseAndOthersFailOpen) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis);
  auto svc = start(redis->port());
  ASSERT_TRUE(svc) << svc.error().message;
  redis->kill();
  auto s = stub(svc->grpc_port);
  RateLimitResponse login, api;
  ASSERT_TRUE(ask(*s, "login", "account", "a", login).ok());
  EXPECT_EQ(login.overall_code(), RateLimitResponse::OVER_LIMIT);
  ASSERT_TRUE(ask(*s, "api", "tenant", "t", api).ok());
  EXPECT_EQ(api.overall_code(), RateLimitResponse::OK);
  ASSERT_TRUE(redis->restart());
  RateLimitResponse back;  // it recovers by itself
  bool recovered = false;
  for (int i = 0; i < 50 && !recovered; ++i) {
    ASSERT_TRUE(ask(*s, "login", "account", "a", back).ok());
    recovered = back.overall_code() == RateLimitResponse::OK;
    if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(recovered);
}

TEST_F(RateLimitRls, SighupReloadsRulesAndKeepsThemWhenTheNewFileIsBad) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis);
  auto svc = start(redis->port());
  ASSERT_TRUE(svc) << svc.error().message;
  auto s = stub(svc->grpc_port);
  std::ofstream(rules_) << "domain: api\ndescriptors:\n  - key: tenant\n    rate_limit: {unit: hour, requests_per_unit: 42}\n";
  ASSERT_TRUE(svc->process.signal_group(SIGHUP));
  ASSERT_TRUE(svc->process.wait_for_output("\"event\":\"rules reloaded\"", std::chrono::seconds(10)));
  RateLimitResponse res;
  ASSERT_TRUE(ask(*s, "api", "tenant", "t9", res).ok());
  EXPECT_EQ(res.statuses(0).current_limit().requests_per_unit(), 42u);
  EXPECT_EQ(ask(*s, "login", "account", "a", res).error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // domain gone

  std::ofstream(rules_) << "domain: api\ndescriptors:\n  - key: tenant\n    rate_limit: {unit: fortnight}\n";
  ASSERT_TRUE(svc->process.signal_group(SIGHUP));
  ASSERT_TRUE(svc->process.wait_for_output("rules reload rejected", std::chrono::seconds(10)));
  EXPECT_NE(svc->process.output().find("rules.yaml:4"), std::string::npos) << svc->process.output();
  RateLimitResponse still;
  ASSERT_TRUE(ask(*s, "api", "tenant", "t9", still).ok());
  EXPECT_EQ(still.statuses(0).current_limit().requests_per_unit(), 42u);
  EXPECT_TRUE(svc->process.alive());
}

}  // namespace
}  // namespace bw::testing
