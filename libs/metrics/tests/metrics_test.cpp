#include "bw/metrics/metrics.hpp"

#include <gtest/gtest.h>

namespace bw::metrics {
namespace {

TEST(Metrics, NamesCarryThePrefixAndCountersEndInTotal) {
  Factory f("ratelimit", "1.2.3");
  auto decisions = f.counter("decisions", "Decisions made");
  decisions.add({{"domain", "login"}, {"result", "ok"}}).Increment(3);
  const std::string text = f.serialize();
  EXPECT_NE(text.find("breakwater_ratelimit_decisions_total{domain=\"login\",result=\"ok\"} 3"),
            std::string::npos) << text;
  EXPECT_NE(text.find("breakwater_ratelimit_build_info{version=\"1.2.3\"} 1"), std::string::npos);
  EXPECT_NE(text.find("breakwater_ratelimit_start_time_seconds"), std::string::npos);
}

TEST(Metrics, HistogramsExposeBuckets) {
  Factory f("auth", "0");
  auto h = f.histogram("login_duration_seconds", "Login latency");
  h.add({}, Factory::latency_buckets()).Observe(0.003);
  const std::string text = f.serialize();
  EXPECT_NE(text.find("breakwater_auth_login_duration_seconds_bucket{le=\"0.005\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("breakwater_auth_login_duration_seconds_count 1"), std::string::npos);
}

TEST(Metrics, IdentityLabelsAreRefused) {
  Factory f("relay", "0");
  auto c = f.counter("rejected", "x");
  for (auto key : {"user_id", "device", "tenant", "source_ip"}) {
    EXPECT_THROW(c.add({{key, "v"}}), std::invalid_argument) << key;
  }
  EXPECT_NO_THROW(c.add({{"reason", "replay"}, {"descriptor", "x"}, {"skipped", "y"}}));
}

TEST(Metrics, BadNamesAreRefused) {
  EXPECT_THROW(Factory("Auth", "0"), std::invalid_argument);
  Factory f("auth", "0");
  EXPECT_THROW(f.counter("Logins", "x"), std::invalid_argument);
  EXPECT_THROW(f.gauge("has-dash", "x"), std::invalid_argument);
}

}  // namespace
}  // namespace bw::metrics
