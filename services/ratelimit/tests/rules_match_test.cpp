// Unit tests of descriptor matching: Envoy's semantics (exact value beats the default,
// every entry must match, only the last entry's node supplies the limit), rule ids of
// bounded cardinality, and the Redis key material.
#include "core/rules.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rules_test_support.hpp"

namespace bw::ratelimit {
namespace {

using testing::load;

const char* kApi = R"(domain: api
failure_mode: closed
descriptors:
  - key: remote_address
    rate_limit: {unit: minute, requests_per_unit: 60}
  - key: path
    value: /login
    shadow_mode: true
    rate_limit: {unit: second, requests_per_unit: 5, algorithm: gcra, burst: 20}
  - key: path
    rate_limit: {unit: hour, requests_per_unit: 1000}
  - key: tenant
    descriptors:
      - key: plan
        value: free
        rate_limit: {unit: day, requests_per_unit: 100}
        descriptors:
          - key: method
            rate_limit: {unit: second, requests_per_unit: 2}
      - key: plan
)";

std::optional<Match> match_api(std::vector<Entry> entries) {
  static const RuleSet rules = load(kApi).value();
  return match(*rules.domain("api"), entries);
}

TEST(RateLimitRules, ParsesEveryField) {
  auto r = load(kApi);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Domain* d = r->domain("api");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->failure_mode, FailureMode::kClosed);
  ASSERT_EQ(d->descriptors.nodes.size(), 4u);
  const DescriptorNode& login = d->descriptors.nodes[1];
  EXPECT_EQ(login.key, "path");
  EXPECT_EQ(login.value, "/login");
  EXPECT_TRUE(login.shadow_mode);
  ASSERT_TRUE(login.rate_limit);
  EXPECT_EQ(login.rate_limit->unit, Unit::kSecond);
  EXPECT_EQ(login.rate_limit->requests_per_unit, 5u);
  EXPECT_EQ(login.rate_limit->algorithm, Algorithm::kGcra);
  EXPECT_EQ(login.rate_limit->burst, 20u);
  EXPECT_EQ(login.rule_id, "api.path_/login");
  EXPECT_EQ(d->descriptors.nodes[3].children.nodes.size(), 2u);
}

TEST(RateLimitRules, DefaultsAreFixedWindowBurstEqualsRateFailOpen) {
  auto r = load("domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: DAY, requests_per_unit: 7}\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Domain* d = r->domain("d");
  EXPECT_EQ(d->failure_mode, FailureMode::kOpen);
  const RateLimit& rl = *d->descriptors.nodes[0].rate_limit;
  EXPECT_EQ(rl.unit, Unit::kDay);
  EXPECT_EQ(rl.algorithm, Algorithm::kFixedWindow);
  EXPECT_EQ(rl.burst, 7u);
  EXPECT_FALSE(d->descriptors.nodes[0].shadow_mode);
  EXPECT_EQ(unit_seconds(rl.unit), 86400);
}

TEST(RateLimitRules, GcraBurstDefaultsToRate) {
  auto r = load("domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 9, algorithm: gcra}\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->domain("d")->descriptors.nodes[0].rate_limit->burst, 9u);
}

TEST(RateLimitRules, DomainWithoutDescriptorsMatchesNothing) {
  auto r = load("domain: empty\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<Entry> e{{"k", "v"}};
  EXPECT_FALSE(match(*r->domain("empty"), e));
  EXPECT_EQ(r->domain("other"), nullptr);
}

TEST(RateLimitRules, ExactValueBeatsDefault) {
  auto m = match_api({{"path", "/login"}});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rule_id, "api.path_/login");
  EXPECT_EQ(m->limit.requests_per_unit, 5u);
}

TEST(RateLimitRules, DefaultNodeMatchesAnyValueWithConfiguredName) {
  auto m = match_api({{"path", "/user-chosen/123"}});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rule_id, "api.path");  // never the request's value
  EXPECT_EQ(m->limit.unit, Unit::kHour);
  EXPECT_EQ(m->key_entries, (std::vector<Entry>{{"path", "/user-chosen/123"}}));
}

TEST(RateLimitRules, NestedEntriesMatchDownTheTree) {
  auto m = match_api({{"tenant", "t1"}, {"plan", "free"}});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rule_id, "api.tenant.plan_free");
  EXPECT_EQ(m->limit.requests_per_unit, 100u);
  EXPECT_EQ(m->failure_mode, FailureMode::kClosed);
  EXPECT_EQ(m->key_entries, (std::vector<Entry>{{"tenant", "t1"}, {"plan", "free"}}));
}

TEST(RateLimitRules, DeepestLimitApplies) {
  auto m = match_api({{"tenant", "t1"}, {"plan", "free"}, {"method", "GET"}});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rule_id, "api.tenant.plan_free.method");
  EXPECT_EQ(m->limit.requests_per_unit, 2u);
}

TEST(RateLimitRules, UnmatchedEntryMeansNoLimit) {
  EXPECT_FALSE(match_api({{"unknown", "x"}}));
  EXPECT_FALSE(match_api({{"tenant", "t1"}, {"region", "eu"}}));
  EXPECT_FALSE(match_api({}));
}

TEST(RateLimitRules, AncestorLimitIsNotInherited) {
  // As Envoy: a request deeper than the configured limit gets no limit.
  EXPECT_FALSE(match_api({{"remote_address", "10.0.0.1"}, {"path", "/"}}));
  // ... and a matched node without its own rate_limit gives none either.
  EXPECT_FALSE(match_api({{"tenant", "t1"}}));
  EXPECT_FALSE(match_api({{"tenant", "t1"}, {"plan", "paid"}}));
}

TEST(RateLimitRules, ShadowModePropagatesAsConfigured) {
  EXPECT_TRUE(match_api({{"path", "/login"}})->shadow_mode);
  EXPECT_FALSE(match_api({{"path", "/other"}})->shadow_mode);
}

TEST(RateLimitRules, EmptyRequestValueUsesDefault) {
  auto m = match_api({{"path", ""}});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rule_id, "api.path");
}
}  // namespace
}  // namespace bw::ratelimit
