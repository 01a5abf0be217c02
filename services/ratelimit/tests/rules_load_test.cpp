// Unit tests of the rule loader: every field, every refusal (with file and line in the
// message), security domains, several domains, and the size and depth bounds.
#include "core/rules.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rules_test_support.hpp"

namespace bw::ratelimit {
namespace {

using testing::expect_refused;
using testing::load;

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
  // Refused by its size (the message says so), not by anything a parser found in it.
  expect_refused(std::string(kMaxFileBytes + 1, '#'), "rules.yaml:1:", "more than 1 MiB");
}

// Level `n` of an alias bomb: ten distinct keys whose children all alias level n - 1.
std::string alias_bomb(int n) {
  if (n == 0) return "&l0 [{key: k}]";
  const std::string below = "*l" + std::to_string(n - 1);
  std::string text = "&l" + std::to_string(n) + " [{key: a0, descriptors: " + alias_bomb(n - 1) + "}";
  for (int j = 1; j < 10; ++j) text += ", {key: a" + std::to_string(j) + ", descriptors: " + below + "}";
  return text + "]";
}

// No wall-clock bound here (timings never decide a test): the budget is checked by the
// refusal's reason, and a walk that did not stop would run into the test's time-out.
TEST(RateLimitRules, HostileInputsAreRefused) {
  EXPECT_FALSE(load(std::string(500'000, '[')).ok());  // yaml-cpp's own depth guard
  // An alias bomb: 8 levels, each listing ten keys that all alias the level below, so
  // 10^7 logical nodes in a few hundred bytes. yaml-cpp shares aliased nodes; the walk
  // counts nodes before descending and stops at the budget.
  auto bomb = load("domain: d\ndescriptors: " + alias_bomb(kMaxDepth - 1) + "\n");
  ASSERT_FALSE(bomb.ok());
  EXPECT_NE(bomb.error().message.find("more than 10000 descriptors"), std::string::npos) << bomb.error().message;
  EXPECT_FALSE(load("domain: d\ndescriptors: &l\n  - key: k\n    descriptors: *l\n").ok());
}
}  // namespace
}  // namespace bw::ratelimit
