// Shared by the breakwater-ratelimit system tests that run the real binary (RLS, Quota and
// the quota client library's): a rules file in a private folder, start() with short Redis
// timeouts, channels and an Envoy RLS stub, one-call ask(), and reading a counter from
// /metrics.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bw/service/grpc_channel.hpp"
#include "bw/testing/temp_dir.hpp"
#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "system_fixture.hpp"
#include "tls_probe.hpp"

namespace bw::testing {

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;
using RlsStub = envoy::service::ratelimit::v3::RateLimitService::Stub;

// One ShouldRateLimit call with one descriptor of one entry, 5 s deadline.
inline grpc::Status ask(RlsStub& s, const std::string& domain, const std::string& key, const std::string& value,
                        RateLimitResponse& res) {
  RateLimitRequest req;
  req.set_domain(domain);
  auto* e = req.add_descriptors()->add_entries();
  e->set_key(key);
  e->set_value(value);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return s.ShouldRateLimit(&ctx, req, &res);
}


class RlsSystemTest : public SystemFixture {
 protected:
  void SetUp() override {
    auto dir = TempDir::create("bw-rls-");
    ASSERT_TRUE(dir);
    dir_ = std::make_unique<TempDir>(std::move(dir.value()));
    rules_ = (dir_->path() / "rules.yaml").string();
  }
  void write_rules(const std::string& text) const { std::ofstream(rules_) << text; }

  Result<RunningService> start(std::uint16_t redis_port, std::vector<std::string> extra = {}) const {
    std::vector<std::string> env{"BREAKWATER_RATELIMIT_RULES_FILES=" + rules_,
                                 "BREAKWATER_REDIS_ADDRESS=127.0.0.1:" + std::to_string(redis_port),
                                 "BREAKWATER_REDIS_PASSWORD=", "BREAKWATER_REDIS_CONNECT_TIMEOUT=200ms",
                                 "BREAKWATER_REDIS_COMMAND_TIMEOUT=300ms"};
    env.insert(env.end(), extra.begin(), extra.end());
    return start_service("ratelimit", env);
  }

  // On the suite's own Redis (its address and password come from SystemFixture), which
  // every instance a test starts shares.
  Result<RunningService> start_on_suite_redis(std::vector<std::string> extra = {}) const {
    std::vector<std::string> env{"BREAKWATER_RATELIMIT_RULES_FILES=" + rules_, "BREAKWATER_REDIS_CONNECT_TIMEOUT=200ms",
                                 "BREAKWATER_REDIS_COMMAND_TIMEOUT=300ms"};
    env.insert(env.end(), extra.begin(), extra.end());
    return start_service("ratelimit", env);
  }
  // A mutual-TLS channel to the service, as the operator.
  static std::shared_ptr<grpc::Channel> channel(std::uint16_t port) {
    service::ChannelOptions o{.target = "127.0.0.1:" + std::to_string(port), .tls = operator_tls(),
                              .server_name = "localhost"};
    auto c = service::make_channel(o);
    EXPECT_TRUE(c) << c.error().message;
    return c.value();
  }
  static std::unique_ptr<RlsStub> stub(std::uint16_t port) {
    return envoy::service::ratelimit::v3::RateLimitService::NewStub(channel(port));
  }

  // The sum of every series of `name` whose label text contains each of `labels`
  // (e.g. {"rule=\"api.hot\""}), from the service's /metrics.
  static double metric(const RunningService& svc, const std::string& name, const std::vector<std::string>& labels = {}) {
    const auto body = https_get(svc.ops_port, ca_file(), "/metrics").body;
    std::istringstream in(body);
    double sum = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(name, 0) != 0 || (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' '))
        continue;
      bool all = true;
      for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
      if (all) sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  }

  std::unique_ptr<TempDir> dir_;
  std::string rules_;
};

}  // namespace bw::testing
