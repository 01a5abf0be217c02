// The upgrade decision on plain values: every refusal, the order of the checks, and the
// allowlist edge cases an attacker would try (duplicate headers, "null" origin, a token
// hidden in a query or fragment, near-miss paths).
#include "upgrade_check.hpp"

#include <gtest/gtest.h>

namespace bw::ws {
namespace {

UpgradeRules rules() {
  return {"/v1/connect", {"https://app.example.com"}, false, {"relay.example.com", "localhost"}};
}

UpgradeView good() {
  return {"/v1/connect", true, "relay.example.com", 1, "https://app.example.com", 1};
}

TEST(UpgradeCheck, AcceptsTheConfiguredPathHostAndOrigin) {
  EXPECT_EQ(check_upgrade(good(), rules()), Refusal::kNone);
  auto v = good();
  v.host = "RELAY.example.com:443";
  EXPECT_EQ(check_upgrade(v, rules()), Refusal::kNone);
}

TEST(UpgradeCheck, RefusesAnyQueryOrFragmentFirst) {
  for (std::string_view target : {"/v1/connect?token=x", "/v1/connect?", "/v1/connect#t", "/other?token=x"}) {
    auto v = good();
    v.target = target;
    v.is_upgrade = false;
    EXPECT_EQ(check_upgrade(v, rules()), Refusal::kQuery) << target;
  }
  EXPECT_EQ(refusal_status(Refusal::kQuery), 400u);
}

TEST(UpgradeCheck, RefusesNearMissPaths) {
  for (std::string_view target : {"/v1/connect/", "/v1/Connect", "/v1/connect%3Ftoken", "", "*",
                                  "https://relay.example.com/v1/connect", "/v1/connect/../connect"}) {
    auto v = good();
    v.target = target;
    EXPECT_EQ(check_upgrade(v, rules()), Refusal::kPath) << target;
  }
  EXPECT_EQ(refusal_status(Refusal::kPath), 404u);
}

TEST(UpgradeCheck, RefusesAPlainRequest) {
  auto v = good();
  v.is_upgrade = false;
  EXPECT_EQ(check_upgrade(v, rules()), Refusal::kNotUpgrade);
  EXPECT_EQ(refusal_status(Refusal::kNotUpgrade), 426u);
}

TEST(UpgradeCheck, RefusesUnknownMissingOrRepeatedHost) {
  auto v = good();
  v.host = "evil.example.com";
  EXPECT_EQ(check_upgrade(v, rules()), Refusal::kHost);
  v = good();
  v.host.reset();
  v.host_count = 0;
  EXPECT_EQ(check_upgrade(v, rules()), Refusal::kHost);
  v = good();
  v.host_count = 2;
  EXPECT_EQ(check_upgrade(v, rules()), Refusal::kHost);
  v = good();
  v.host = "relay.example.com@evil.example.com";
  EXPECT_EQ(check_upgrade(v, rules()), Refusal::kHost);
  EXPECT_EQ(refusal_status(Refusal::kHost), 403u);
}

TEST(UpgradeCheck, RefusesOtherNullRepeatedOrMissingOrigin) {
  for (std::string_view origin : {"https://evil.example.com", "null", "https://app.example.com/", "http://app.example.com",
                                  "https://app.example.com:444", "HTTPS://APP.EXAMPLE.COM"}) {
    auto v = good();
    v.origin = origin;
    EXPECT_EQ(check_upgrade(v, rules()), Refusal::kOrigin) << origin;
  }
  auto v = good();
  v.origin_count = 2;
  EXPECT_EQ(check_upgrade(v, rules()), Refusal::kOrigin);
  v = good();
  v.origin.reset();
  v.origin_count = 0;
  EXPECT_EQ(check_upgrade(v, rules()), Refusal::kOrigin);
  auto r = rules();
  r.allow_missing_origin = true;
  EXPECT_EQ(check_upgrade(v, r), Refusal::kNone);  // non-browser client, when configured
  v.origin = "https://evil.example.com";
  v.origin_count = 1;
  EXPECT_EQ(check_upgrade(v, r), Refusal::kOrigin);  // a present Origin is still checked
  EXPECT_EQ(refusal_status(Refusal::kOrigin), 403u);
}

}  // namespace
}  // namespace bw::ws
