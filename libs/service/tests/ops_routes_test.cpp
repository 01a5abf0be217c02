#include "bw/service/ops_routes.hpp"

#include <gtest/gtest.h>

namespace bw::service {
namespace {

ReadinessSnapshot ready() { return {true, false, {{"redis", true}}}; }
ReadinessSnapshot unready() { return {false, false, {{"redis", false}}}; }

TEST(OpsRoutes, HealthzIsAlwaysOkWhileRunning) {
  EXPECT_EQ(route_ops("GET", "/healthz", unready(), nullptr).status, 200);
}

TEST(OpsRoutes, ReadyzReflectsChecks) {
  auto r = route_ops("GET", "/readyz", ready(), nullptr);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"ready\":true,\"draining\":false,\"checks\":{\"redis\":true}}\n");
  r = route_ops("GET", "/readyz", unready(), nullptr);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("\"redis\":false"), std::string::npos);
}

TEST(OpsRoutes, ReadyzIs503WhileDraining) {
  EXPECT_EQ(route_ops("GET", "/readyz", {false, true, {}}, nullptr).status, 503);
}

TEST(OpsRoutes, MetricsServesTheExposition) {
  auto r = route_ops("GET", "/metrics?x=1", ready(), [] { return std::string("m 1\n"); });
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "m 1\n");
  EXPECT_NE(r.content_type.find("version=0.0.4"), std::string::npos);
}

TEST(OpsRoutes, UnknownPathsAndMethodsAreRefused) {
  EXPECT_EQ(route_ops("GET", "/", ready(), nullptr).status, 404);
  EXPECT_EQ(route_ops("GET", "/healthz/../admin", ready(), nullptr).status, 404);
  EXPECT_EQ(route_ops("POST", "/healthz", ready(), nullptr).status, 405);
  EXPECT_EQ(route_ops("DELETE", "/metrics", ready(), nullptr).status, 405);
}

}  // namespace
}  // namespace bw::service
