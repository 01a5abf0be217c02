// The Quota API's pure checks: names, tenants, ids and ttls are bounded; keys of different
// families, scopes, tenants and subjects never collide; a lease record shares its counter's
// hash slot; lease sizes are capped.
#include "core/quota.hpp"

#include <gtest/gtest.h>

#include "bw/redis/keys.hpp"
#include "core/request.hpp"

namespace bw::ratelimit {
namespace {

const std::string kTenant(16, 't');

void expect_invalid(const Result<std::string>& r, const std::string& reason) {
  ASSERT_FALSE(r) << reason;
  EXPECT_EQ(r.error().code, static_cast<int>(RequestError::kInvalidArgument));
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
}

TEST(QuotaChecks, NamesAreShortLowerCaseAscii) {
  EXPECT_TRUE(validate_name("scope", "totp"));
  EXPECT_TRUE(validate_name("scope", "pair_attempt_2"));
  EXPECT_FALSE(validate_name("scope", ""));
  EXPECT_FALSE(validate_name("scope", std::string(33, 'a')));
  for (const std::string& bad : std::vector<std::string>{"TOTP", "to tp", "totp:x", "{totp}", std::string("to\0tp", 5), "tötp"}) {
    EXPECT_FALSE(validate_name("scope", bad)) << bad;
  }
}

TEST(QuotaChecks, OnceKeyRefusesBadInputNamingTheField) {
  expect_invalid(once_key("short", "totp", "id", 1000), "tenant must be empty or 16 bytes");
  expect_invalid(once_key(kTenant, "Bad", "id", 1000), "scope may only hold");
  expect_invalid(once_key(kTenant, "totp", "", 1000), "id must have 1..64 bytes");
  expect_invalid(once_key(kTenant, "totp", std::string(65, 'x'), 1000), "id must have 1..64 bytes");
  expect_invalid(once_key(kTenant, "totp", "id", 0), "ttl must be between");
  expect_invalid(once_key(kTenant, "totp", "id", kMaxOnceTtlMs + 1), "ttl must be between");
  EXPECT_TRUE(once_key("", "totp", std::string(64, '\xff'), kMaxOnceTtlMs));
}

TEST(QuotaChecks, OnceKeysSeparateTenantsScopesAndIds) {
  const auto base = once_key(kTenant, "totp", "123456", 1000).value();
  EXPECT_EQ(once_key(kTenant, "totp", "123456", 90'000).value(), base);  // ttl is not identity
  EXPECT_NE(once_key(std::string(16, 'u'), "totp", "123456", 1000).value(), base);
  EXPECT_NE(once_key("", "totp", "123456", 1000).value(), base);
  EXPECT_NE(once_key(kTenant, "recovery", "123456", 1000).value(), base);
  EXPECT_NE(once_key(kTenant, "totp", "123457", 1000).value(), base);
  // Caller bytes never appear in the key, whatever they hold.
  const auto odd = once_key(kTenant, "totp", "}{evil}\r\nDEL *", 1000);
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->find("evil"), std::string::npos);
  EXPECT_EQ(odd->rfind("bw:{once:", 0), 0u);
}

TEST(QuotaChecks, LockoutPrefixesSeparateDomainsKindsTenantsAndIds) {
  const auto base = lockout_prefix("login", SubjectKind::kAccount, kTenant, "alice").value();
  EXPECT_NE(lockout_prefix("totp", SubjectKind::kAccount, kTenant, "alice").value(), base);
  EXPECT_NE(lockout_prefix("login", SubjectKind::kAddress, kTenant, "alice").value(), base);
  EXPECT_NE(lockout_prefix("login", SubjectKind::kAccount, "", "alice").value(), base);
  EXPECT_NE(lockout_prefix("login", SubjectKind::kAccount, kTenant, "alicf").value(), base);
  // Length prefixes: moving a byte between fields makes another key.
  EXPECT_NE(lockout_prefix("login", SubjectKind::kAccount, "", std::string(16, 't') + "x").value(),
            lockout_prefix("login", SubjectKind::kAccount, kTenant, "x").value());
  expect_invalid(lockout_prefix("Login", SubjectKind::kAccount, kTenant, "a"), "domain may only hold");
  expect_invalid(lockout_prefix("login", SubjectKind::kAccount, kTenant, ""), "subject.id must have");
}

TEST(QuotaChecks, LeaseRecordSharesTheCounterSlotAndIsPerLease) {
  Match m;
  m.rule_id = "api.device";
  m.limit.requests_per_unit = 100;
  m.key_entries = {Entry{"device", "d1"}};
  const auto key = counter_key("api", m).value();
  const auto a = lease_record_key("api", m, std::string(16, 'a')).value();
  const auto b = lease_record_key("api", m, std::string(16, 'b')).value();
  EXPECT_NE(a, b);
  EXPECT_NE(a, key);
  EXPECT_EQ(redis::hash_slot(a), redis::hash_slot(key));
  EXPECT_TRUE(key.ends_with(":w"));
  m.limit.algorithm = Algorithm::kGcra;
  EXPECT_TRUE(counter_key("api", m).value().ends_with(":g"));
  expect_invalid(lease_record_key("api", m, "short"), "lease_id must be 16 bytes");
}

TEST(QuotaChecks, LeaseCapBoundsEveryLease) {
  const LeasePolicy policy{.ttl_ms = 10'000, .max_tokens = 50, .max_percent = 25};
  RateLimit l;
  l.requests_per_unit = 100;
  EXPECT_EQ(lease_cap(l, 10, policy), 10);    // asked for less than every bound
  EXPECT_EQ(lease_cap(l, 1000, policy), 25);  // a quarter of 100
  l.requests_per_unit = 1000;
  EXPECT_EQ(lease_cap(l, 1000, policy), 50);  // max_tokens
  l.requests_per_unit = 3;
  EXPECT_EQ(lease_cap(l, 1000, policy), 1);  // ⌈3·25/100⌉
  l.algorithm = Algorithm::kGcra;
  l.requests_per_unit = 1000;
  l.burst = 8;
  EXPECT_EQ(lease_cap(l, 1000, policy), 2);  // a quarter of the burst
}

TEST(QuotaChecks, LockoutDefaultsMatchTheDesign) {
  const LockoutPolicies p;
  EXPECT_EQ(p.for_kind(SubjectKind::kAccount).threshold, 10);
  EXPECT_EQ(p.for_kind(SubjectKind::kAccount).ban_ms, 15 * 60'000);
  EXPECT_EQ(p.for_kind(SubjectKind::kAddress).threshold, 30);
  EXPECT_EQ(p.for_kind(SubjectKind::kAddress).window_ms, 24 * 3'600'000);
  EXPECT_EQ(p.for_kind(SubjectKind::kAddress).ban_ms, 24 * 3'600'000);
}

}  // namespace
}  // namespace bw::ratelimit
