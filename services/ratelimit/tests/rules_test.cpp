// Unit tests of the rule loader and matcher: every field, every refusal (with file and
// line in the message), Envoy's matching semantics, and the size bounds.
#include "core/rules.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace bw::ratelimit {
namespace {

Result<RuleSet> load(std::string text, std::string name = "rules.yaml") {
  std::vector<RuleFile> files{{std::move(name), std::move(text)}};
  return load_rules(files);
}

// Loads `text` and expects a refusal whose message contains `where` and `what`.
void expect_refused(const std::string& text, const std::string& where, const std::string& what) {
  auto r = load(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_NE(r.error().message.find(where), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
}

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

TEST(RateLimitRules, SecurityDomainsAreAlwaysClosed) {
  for (const char* name : {"login", "pairing", "lockout", "one_time"}) {
    auto r = load(std::string("domain: ") + name + "\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->domain(name)->failure_mode, FailureMode::kClosed) << name;
  }
}

TEST(RateLimitRules, SecurityDomainSetOpenIsRefused) {
  expect_refused("domain: login\nfailure_mode: open\n", "rules.yaml:2:", "always fail-closed");
  expect_refused("domain: one_time\nfailure_mode: open\n", "rules.yaml:2:", "always fail-closed");
}

TEST(RateLimitRules, SeveralDomainsAcrossFilesAndDocuments) {
  std::vector<RuleFile> files{{"a.yaml", "domain: a\n---\ndomain: b\n"}, {"c.yaml", "domain: c\n"}};
  auto r = load_rules(files);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->domain_count(), 3u);
}

TEST(RateLimitRules, DocumentMarkersSplitDomainsAndKeepLineNumbers) {
  auto r = load("# rules\n---\ndomain: a\n...\ndomain: b\n--- {domain: c}\n---\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->domain_count(), 3u);
  EXPECT_EQ(r->domain("b")->origin, "rules.yaml:5");
  expect_refused("domain: a\n---\n\ndomain: b\nbad: 1\n", "rules.yaml:5:", "unknown field 'bad'");
}

TEST(RateLimitRules, StrayPunctuationIsRefusedNotHung) {
  // yaml-cpp 0.7's LoadAll loops forever on these; the loader must return.
  for (const char* text : {",", ",\n", "domain: a\n---\n,\n", "]", "}\n---\n,", "{domain: a}\n,\n", "{domain: a} x"}) {
    EXPECT_FALSE(load(text).ok()) << text;
  }
}

TEST(RateLimitRules, DuplicateDomainIsRefused) {
  std::vector<RuleFile> files{{"a.yaml", "domain: a\n"}, {"b.yaml", "\ndomain: a\n"}};
  auto r = load_rules(files);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, static_cast<int>(RulesError::kDuplicateDomain));
  EXPECT_NE(r.error().message.find("b.yaml:2:"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("a.yaml:1"), std::string::npos) << r.error().message;
  expect_refused("domain: x\n---\ndomain: x\n", "rules.yaml:3:", "already defined");
}

TEST(RateLimitRules, UnknownFieldsAreRefused) {
  expect_refused("domain: d\nlimits: 3\n", "rules.yaml:2:", "unknown field 'limits'");
  expect_refused("domain: d\ndescriptors:\n  - key: k\n    valeu: v\n", "rules.yaml:4:", "unknown field 'valeu'");
  expect_refused("domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 1, unlimited: true}\n",
                 "rules.yaml:4:", "unknown field 'unlimited'");
  expect_refused("domain: d\ndomain: e\n", "rules.yaml:2:", "repeated");
}

TEST(RateLimitRules, RequestsPerUnitOutOfRangeIsRefused) {
  const std::string head = "domain: d\ndescriptors:\n  - key: k\n    rate_limit:\n      unit: second\n";
  for (const char* bad : {"0", "1000000001", "-1", "abc", "1.5", "99999999999"}) {
    expect_refused(head + "      requests_per_unit: " + bad + "\n", "rules.yaml:6:", "requests_per_unit must be");
  }
  EXPECT_TRUE(load(head + "      requests_per_unit: 1000000000\n").ok());
  expect_refused(head, "rules.yaml:5:", "missing field 'requests_per_unit'");
}

TEST(RateLimitRules, UnknownUnitIsRefused) {
  expect_refused("domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: fortnight, requests_per_unit: 1}\n",
                 "rules.yaml:4:", "unknown unit 'fortnight'");
}

TEST(RateLimitRules, UnknownAlgorithmIsRefused) {
  expect_refused("domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 1, algorithm: leaky}\n",
                 "rules.yaml:4:", "unknown algorithm 'leaky'");
}

TEST(RateLimitRules, BurstOnlyWithGcra) {
  expect_refused("domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 1, burst: 5}\n",
                 "rules.yaml:4:", "burst is only valid with algorithm: gcra");
  expect_refused("domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 1, algorithm: gcra, burst: 0}\n",
                 "rules.yaml:4:", "burst must be");
}

TEST(RateLimitRules, DuplicateSiblingsAreRefused) {
  expect_refused("domain: d\ndescriptors:\n  - key: k\n    value: v\n  - key: k\n    value: v\n",
                 "rules.yaml:5:", "duplicate descriptor key 'k' value 'v'");
  expect_refused("domain: d\ndescriptors:\n  - key: k\n  - key: k\n", "rules.yaml:4:", "duplicate descriptor");
  EXPECT_TRUE(load("domain: d\ndescriptors:\n  - key: k\n  - key: k\n    value: v\n").ok());
}

TEST(RateLimitRules, EmptyOrMissingDomainIsRefused) {
  expect_refused("domain: \"\"\n", "rules.yaml:1:", "domain must not be empty");
  expect_refused("descriptors: []\n", "rules.yaml:1:", "missing field 'domain'");
  expect_refused("", "rules.yaml:1:", "no rule document");
}

TEST(RateLimitRules, MalformedValuesAreRefused) {
  expect_refused("domain: d\ndescriptors:\n  - key: \"\"\n", "rules.yaml:3:", "key must not be empty");
  expect_refused("domain: d\ndescriptors:\n  - key: [a]\n", "rules.yaml:3:", "'key' must be a string");
  expect_refused("domain: d\ndescriptors: {key: k}\n", "rules.yaml:2:", "descriptors must be a list");
  expect_refused("domain: d\ndescriptors:\n  - key: k\n    shadow_mode: maybe\n", "rules.yaml:4:", "shadow_mode must be");
  expect_refused("domain: d\nfailure_mode: sideways\n", "rules.yaml:2:", "failure_mode must be");
  expect_refused("- 1\n", "rules.yaml:1:", "must be a map");
}

TEST(RateLimitRules, SyntaxErrorNamesFileAndLine) {
  auto r = load("domain: d\ndescriptors:\n  - key: [unclosed\n", "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, static_cast<int>(RulesError::kSyntax));
  EXPECT_EQ(r.error().message.rfind("bad.yaml:", 0), 0u) << r.error().message;
}

// Builds `depth` levels of nested descriptors.
std::string nested(std::size_t depth) {
  std::string text = "domain: d\ndescriptors:\n";
  std::string indent = "  ";
  for (std::size_t i = 0; i < depth; ++i) {
    text += indent + "- key: k" + std::to_string(i) + "\n";
    if (i + 1 < depth) text += indent + "  descriptors:\n";
    indent += "    ";
  }
  return text;
}

TEST(RateLimitRules, DepthIsBounded) {
  EXPECT_TRUE(load(nested(kMaxDepth)).ok());
  expect_refused(nested(kMaxDepth + 1), "rules.yaml:", "more than 8 levels deep");
}

TEST(RateLimitRules, NodeCountIsBounded) {
  std::string text = "domain: d\ndescriptors:\n";
  for (std::size_t i = 0; i <= kMaxNodes; ++i) text += "  - key: k" + std::to_string(i) + "\n";
  auto r = load(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, static_cast<int>(RulesError::kTooLarge));
  EXPECT_NE(r.error().message.find("more than 10000 descriptors"), std::string::npos) << r.error().message;
}

TEST(RateLimitRules, NodeCountSpansFiles) {
  std::string text;
  for (std::size_t i = 0; i < kMaxNodes / 2 + 1; ++i) text += "  - key: k" + std::to_string(i) + "\n";
  std::vector<RuleFile> files{{"a.yaml", "domain: a\ndescriptors:\n" + text}, {"b.yaml", "domain: b\ndescriptors:\n" + text}};
  auto r = load_rules(files);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("b.yaml:"), std::string::npos) << r.error().message;
}

TEST(RateLimitRules, OversizedFileIsRefusedBeforeParsing) {
  auto start = std::chrono::steady_clock::now();
  expect_refused(std::string(kMaxFileBytes + 1, '#'), "rules.yaml:1:", "more than 1 MiB");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

// Level `n` of an alias bomb: ten distinct keys whose children all alias level n - 1.
std::string alias_bomb(int n) {
  if (n == 0) return "&l0 [{key: k}]";
  const std::string below = "*l" + std::to_string(n - 1);
  std::string text = "&l" + std::to_string(n) + " [{key: a0, descriptors: " + alias_bomb(n - 1) + "}";
  for (int j = 1; j < 10; ++j) text += ", {key: a" + std::to_string(j) + ", descriptors: " + below + "}";
  return text + "]";
}

TEST(RateLimitRules, HostileInputsAreRefusedQuickly) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(load(std::string(500'000, '[')).ok());  // yaml-cpp's own depth guard
  // An alias bomb: 8 levels, each listing ten keys that all alias the level below, so
  // 10^7 logical nodes in a few hundred bytes. yaml-cpp shares aliased nodes; the walk
  // counts nodes before descending and stops at the budget.
  auto bomb = load("domain: d\ndescriptors: " + alias_bomb(kMaxDepth - 1) + "\n");
  ASSERT_FALSE(bomb.ok());
  EXPECT_NE(bomb.error().message.find("more than 10000 descriptors"), std::string::npos) << bomb.error().message;
  EXPECT_FALSE(load("domain: d\ndescriptors: &l\n  - key: k\n    descriptors: *l\n").ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace bw::ratelimit
