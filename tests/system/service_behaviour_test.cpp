// Behaviour of the service frame seen from outside, on real binaries: readiness follows
// Redis, health names, the bound on health watches, foreign client certificates, the
// drain sequence, and that no secret reaches the output.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "bw/service/grpc_channel.hpp"
#include "bw/testing/redis_server.hpp"
#include "grpc/health/v1/health.grpc.pb.h"
#include "health_probe.hpp"
#include "system_fixture.hpp"
#include "tls_probe.hpp"

namespace bw::testing {
namespace {

using namespace std::chrono_literals;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

std::unique_ptr<grpc::health::v1::Health::Stub> stub_for(std::uint16_t port, const service::TlsFiles& tls, bool mutual) {
  auto stub = health_stub(port, tls, mutual);
  EXPECT_TRUE(stub) << stub.error().message;
  return stub ? std::move(stub.value()) : nullptr;
}

grpc::Status check(grpc::health::v1::Health::Stub& stub, const std::string& service, HealthCheckResponse& res) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 3s);
  HealthCheckRequest req;
  req.set_service(service);
  return stub.Check(&ctx, req, &res);
}

// Polls until the condition holds or 10 s pass.
template <class F>
bool eventually(F condition) {
  for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
    if (condition()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return condition();
}

class ServiceBehaviour : public SystemFixture {};

TEST_F(ServiceBehaviour, ReadinessFollowsRedis) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis) << redis.error().message;
  auto relay = start_service("relay", {"BREAKWATER_REDIS_ADDRESS=127.0.0.1:" + std::to_string(redis->port()),
                                       "BREAKWATER_REDIS_PASSWORD="});
  ASSERT_TRUE(relay) << relay.error().message;
  auto stub = stub_for(relay->grpc_port, operator_tls(), false);
  HealthCheckResponse res;
  ASSERT_TRUE(check(*stub, "", res).ok());
  EXPECT_EQ(res.status(), HealthCheckResponse::SERVING);

  ASSERT_TRUE(redis->pause());
  EXPECT_TRUE(eventually([&] { return https_get(relay->ops_port, ca_file(), "/readyz").status == 503; }));
  const auto readyz = https_get(relay->ops_port, ca_file(), "/readyz");
  EXPECT_NE(readyz.body.find("\"redis\":false"), std::string::npos) << readyz.body;
  ASSERT_TRUE(check(*stub, "", res).ok());
  EXPECT_EQ(res.status(), HealthCheckResponse::NOT_SERVING);
  const auto metrics = https_get(relay->ops_port, ca_file(), "/metrics").body;
  EXPECT_NE(metrics.find("breakwater_relay_ready 0"), std::string::npos);
  EXPECT_NE(metrics.find("breakwater_relay_readiness_check_failures_total{check=\"redis\"}"), std::string::npos);

  ASSERT_TRUE(redis->resume());
  EXPECT_TRUE(eventually([&] { return https_get(relay->ops_port, ca_file(), "/readyz").status == 200; }));
}

TEST_F(ServiceBehaviour, HealthKnowsOnlyTheWholeServerAndRegisteredServices) {
  auto audit = start_service("audit");
  ASSERT_TRUE(audit) << audit.error().message;
  auto stub = stub_for(audit->grpc_port, operator_tls(), true);
  HealthCheckResponse res;
  EXPECT_EQ(check(*stub, "no.such.Service", res).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext ctx;
  grpc::health::v1::HealthListResponse list;
  ASSERT_TRUE(stub->List(&ctx, {}, &list).ok());
  ASSERT_EQ(list.statuses().count(""), 1u);
  EXPECT_EQ(list.statuses().at("").status(), HealthCheckResponse::SERVING);
}

TEST_F(ServiceBehaviour, AnonymousCallersCannotHoldMoreThanAFewHealthWatches) {
  auto relay = start_service("relay");  // the relay's port takes callers without certificates
  ASSERT_TRUE(relay) << relay.error().message;
  auto stub = stub_for(relay->grpc_port, {"", "", ca_file()}, false);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<HealthCheckResponse>>> watches;
  for (int i = 0; i < 4; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    watches.push_back(stub->Watch(contexts.back().get(), HealthCheckRequest{}));
    HealthCheckResponse first;
    ASSERT_TRUE(watches.back()->Read(&first)) << "watch " << i;
    EXPECT_EQ(first.status(), HealthCheckResponse::SERVING);
  }
  grpc::ClientContext extra_ctx;
  auto extra = stub->Watch(&extra_ctx, HealthCheckRequest{});
  HealthCheckResponse ignored;
  EXPECT_FALSE(extra->Read(&ignored));
  EXPECT_EQ(extra->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Check still answers while the watches are held.
  HealthCheckResponse res;
  EXPECT_TRUE(check(*stub, "", res).ok());
  for (auto& c : contexts) c->TryCancel();
}

TEST_F(ServiceBehaviour, ClientCertificatesFromAnotherCaAreRefused) {
  auto other = other_ca_file();
  ASSERT_TRUE(other) << other.error().message;
  const std::string dir = other.value().substr(0, other.value().rfind('/'));
  for (const char* name : {"auth", "ratelimit", "audit"}) {
    auto svc = start_service(name);
    ASSERT_TRUE(svc) << svc.error().message;
    // The foreign identity trusts our CA (so the server is verified) but is signed by another.
    auto stub = stub_for(svc->grpc_port, {dir + "/operator.pem", dir + "/operator-key.pem", ca_file()}, true);
    HealthCheckResponse res;
    const auto st = check(*stub, "", res);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << name << ": " << st.error_message();
  }
}

TEST_F(ServiceBehaviour, DrainKeepsServingForTheDelayWhileReportingNotReady) {
  auto svc = start_service("ratelimit", {"BREAKWATER_SERVER_DRAIN_DELAY=2s"});
  ASSERT_TRUE(svc) << svc.error().message;
  ASSERT_TRUE(svc->process.signal_group(SIGTERM));
  EXPECT_TRUE(eventually([&] { return https_get(svc->ops_port, ca_file(), "/readyz").status == 503; }));
  const auto readyz = https_get(svc->ops_port, ca_file(), "/readyz");
  EXPECT_NE(readyz.body.find("\"draining\":true"), std::string::npos) << readyz.body;
  auto stub = stub_for(svc->grpc_port, operator_tls(), true);
  HealthCheckResponse res;
  ASSERT_TRUE(check(*stub, "", res).ok()) << "new calls must still be served during the drain delay";
  EXPECT_EQ(res.status(), HealthCheckResponse::NOT_SERVING);
  auto exit = svc->process.wait_exit(8s);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->code, 0);
}

TEST_F(ServiceBehaviour, NoSecretReachesTheOutput) {
  auto svc = start_service("relay", {"BREAKWATER_LOG_LEVEL=debug"});
  ASSERT_TRUE(svc) << svc.error().message;
  (void)https_get(svc->ops_port, ca_file(), "/metrics");
  svc->process.terminate(SIGTERM, 5s);
  const std::string out = svc->process.output();
  EXPECT_NE(out.find("\"event\":\"started\""), std::string::npos);
  EXPECT_EQ(out.find(redis().password()), std::string::npos) << "the Redis password was printed";
  EXPECT_EQ(out.find("PRIVATE KEY"), std::string::npos) << "key material was printed";
}

}  // namespace
}  // namespace bw::testing
