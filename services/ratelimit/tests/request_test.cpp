#include "core/request.hpp"

#include <gtest/gtest.h>

namespace bw::ratelimit {
namespace {

Request one(std::string key = "tenant", std::string value = "t1") {
  return Request{"api", {RequestDescriptor{{Entry{std::move(key), std::move(value)}}, std::nullopt}}, 0};
}

void expect_invalid(const Request& r, const std::string& reason, const RequestLimits& limits = {}) {
  auto st = validate(r, limits);
  ASSERT_FALSE(st) << reason;
  EXPECT_EQ(st.error().code, static_cast<int>(RequestError::kInvalidArgument));
  EXPECT_NE(st.error().message.find(reason), std::string::npos) << st.error().message;
}

TEST(RateLimitRequest, AcceptsAPlainRequest) { EXPECT_TRUE(validate(one())); }

TEST(RateLimitRequest, RefusesEmptyParts) {
  Request r = one();
  r.domain.clear();
  expect_invalid(r, "domain is empty");
  r = one();
  r.descriptors.clear();
  expect_invalid(r, "no descriptors");
  r = one();
  r.descriptors[0].entries.clear();
  expect_invalid(r, "descriptors[0] has no entries");
  expect_invalid(one(""), "descriptors[0].entries[0].key is empty");
}

TEST(RateLimitRequest, RefusesWhatIsPastTheBounds) {
  const RequestLimits limits;
  Request r = one();
  r.descriptors.assign(limits.max_descriptors + 1, r.descriptors[0]);
  expect_invalid(r, "more than 64 descriptors");
  r = one();
  r.descriptors[0].entries.assign(limits.max_entries + 1, Entry{"k", "v"});
  expect_invalid(r, "more than 16 entries");
  expect_invalid(one(std::string(257, 'k')), ".key is longer than 256 bytes");
  expect_invalid(one("k", std::string(1025, 'v')), ".value is longer than 1024 bytes");
  r = one();
  r.domain = std::string(129, 'd');
  expect_invalid(r, "domain is longer");
  r = one();
  r.hits_addend = limits.max_hits + 1;
  expect_invalid(r, "hits_addend is above");
  r = one();
  r.descriptors[0].hits_addend = limits.max_hits + 1;
  expect_invalid(r, "descriptors[0].hits_addend is above");
}

TEST(RateLimitRequest, HitsFollowEnvoy) {
  Request r = one();
  EXPECT_EQ(hits(r, r.descriptors[0]), 1u);  // 0 means 1
  r.hits_addend = 5;
  EXPECT_EQ(hits(r, r.descriptors[0]), 5u);
  r.descriptors[0].hits_addend = 0;  // an explicit per-descriptor value wins, even 0
  EXPECT_EQ(hits(r, r.descriptors[0]), 0u);
}

TEST(RateLimitRequest, CounterIdsDependOnEveryPartAndAreFixedLength) {
  Match m;
  m.rule_id = "api.tenant";
  m.key_entries = {Entry{"tenant", "t1"}};
  const std::string id = counter_id("api", m);
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(counter_id("api", m), id);  // stable
  Match other = m;
  other.key_entries = {Entry{"tenant", "t2"}};
  EXPECT_NE(counter_id("api", other), id);
  EXPECT_NE(counter_id("web", m), id);
  other = m;
  other.rule_id = "api.tenant2";
  EXPECT_NE(counter_id("api", other), id);
  // Length-prefixed fields: moving a byte between key and value gives another counter.
  Match a = m, b = m;
  a.key_entries = {Entry{"ab", "c"}};
  b.key_entries = {Entry{"a", "bc"}};
  EXPECT_NE(counter_id("api", a), counter_id("api", b));
}

}  // namespace
}  // namespace bw::ratelimit
