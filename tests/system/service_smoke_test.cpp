// Every service binary, for real: it boots with TLS under a dev CA, answers gRPC health
// SERVING over mutual TLS, serves /healthz, /readyz and /metrics over HTTPS, refuses
// callers without a cluster certificate, and exits 0 within 5 s of SIGTERM.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "bw/service/grpc_channel.hpp"
#include "bw/testing/binaries.hpp"
#include "bw/testing/child_process.hpp"
#include "bw/testing/ports.hpp"
#include "bw/testing/temp_dir.hpp"
#include "grpc/health/v1/health.grpc.pb.h"
#include "health_probe.hpp"
#include "system_fixture.hpp"
#include "tls_probe.hpp"

namespace bw::testing {
namespace {

using namespace std::chrono_literals;
using grpc::health::v1::HealthCheckResponse;

struct Case {
  std::string name;  // binary suffix and certificate name
  bool mutual;       // internal API: callers need a cluster certificate
};

class ServiceSmoke : public SystemFixture, public ::testing::WithParamInterface<Case> {};

TEST_P(ServiceSmoke, BootsServesHealthAndMetricsAndDrainsOnSigterm) {
  const Case& c = GetParam();
  auto svc = start_service(c.name);
  ASSERT_TRUE(svc) << svc.error().message;

  auto health = check_health(svc->grpc_port, operator_tls(), true);
  ASSERT_TRUE(health) << health.error().message;
  EXPECT_EQ(health.value(), HealthCheckResponse::SERVING);

  auto healthz = https_get(svc->ops_port, ca_file(), "/healthz");
  EXPECT_TRUE(healthz.handshake_ok);
  EXPECT_EQ(healthz.status, 200);
  auto readyz = https_get(svc->ops_port, ca_file(), "/readyz");
  EXPECT_EQ(readyz.status, 200) << readyz.body;
  auto metrics = https_get(svc->ops_port, ca_file(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("breakwater_" + c.name + "_build_info"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("breakwater_" + c.name + "_ready 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("breakwater_" + c.name +
                              "_grpc_requests_total{code=\"OK\",method=\"/grpc.health.v1.Health/Check\"} 1"),
            std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("breakwater_" + c.name + "_ops_requests_total{code=\"200\",path=\"/readyz\"} 1"),
            std::string::npos) << metrics.body;

  const auto start = std::chrono::steady_clock::now();
  const ExitStatus exit = svc->process.terminate(SIGTERM, 5s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_TRUE(exit.exited()) << exit.describe();
  EXPECT_EQ(exit.code, 0) << svc->process.output();
  EXPECT_NE(svc->process.output().find("\"event\":\"stopped\""), std::string::npos);
}

TEST_P(ServiceSmoke, CallersWithoutAClusterCertificateAreRefusedWhereMutualTlsIsRequired) {
  const Case& c = GetParam();
  auto svc = start_service(c.name);
  ASSERT_TRUE(svc) << svc.error().message;
  auto anonymous = check_health(svc->grpc_port, {"", "", ca_file()}, false);
  if (c.mutual) {
    ASSERT_FALSE(anonymous) << "a caller without a client certificate got an answer";
    EXPECT_EQ(anonymous.error().code, grpc::StatusCode::UNAVAILABLE) << anonymous.error().message;
  } else {
    ASSERT_TRUE(anonymous) << anonymous.error().message;
    EXPECT_EQ(anonymous.value(), HealthCheckResponse::SERVING);
  }
}

TEST_P(ServiceSmoke, AServerCertificateFromAnotherCaIsNotTrusted) {
  auto svc = start_service(GetParam().name);
  ASSERT_TRUE(svc) << svc.error().message;
  auto other = other_ca_file();
  ASSERT_TRUE(other) << other.error().message;
  auto foreign = check_health(svc->grpc_port, {operator_tls().cert_file, operator_tls().key_file, other.value()}, true);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, grpc::StatusCode::UNAVAILABLE) << foreign.error().message;
  EXPECT_FALSE(https_get(svc->ops_port, other.value(), "/healthz").handshake_ok);
  EXPECT_TRUE(https_get(svc->ops_port, ca_file(), "/healthz").handshake_ok);  // the control: our CA works
}

INSTANTIATE_TEST_SUITE_P(AllServices, ServiceSmoke,
                         ::testing::Values(Case{"auth", true}, Case{"ratelimit", true}, Case{"audit", true},
                                           Case{"relay", false}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace bw::testing
