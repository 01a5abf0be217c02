#include "bw/auditclient/event.hpp"

#include <gtest/gtest.h>

#include "bw/auditclient/to_proto.hpp"
#include "bw/time_ordered_id.hpp"

namespace bw::auditclient {
namespace {

const Id kTenant{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const std::string kUser(16, '\x07');

std::string attr(const Event& e, std::string_view key) {
  for (const auto& [k, v] : e.attributes) {
    if (k == key) return v;
  }
  return "<absent>";
}

TEST(EventBuilder, FillsEveryField) {
  const auto e = EventBuilder("auth.login", kTenant)
                     .user(kUser)
                     .target("session", std::string(16, 's'))
                     .result(Outcome::kSuccess)
                     .source("192.0.2.7")
                     .attribute("amr", "pwd otp")
                     .build();
  EXPECT_EQ(e.tenant, kTenant);
  EXPECT_EQ(e.actor_kind, ActorKind::kUser);
  EXPECT_EQ(e.actor_id, kUser);
  EXPECT_EQ(e.target_type, "session");
  EXPECT_EQ(e.result, Outcome::kSuccess);
  EXPECT_EQ(e.source_address.size(), 16u);
  EXPECT_EQ(attr(e, "amr"), "pwd otp");
  EXPECT_EQ(check_event(e), "");
}

TEST(EventBuilder, EventIdsAreRandomAndDistinct) {
  EXPECT_NE(EventBuilder("a.b", kTenant).build().event_id, EventBuilder("a.b", kTenant).build().event_id);
}

TEST(EventBuilder, EventIdsStartWithTheEventTimeInMilliseconds) {
  const auto e = EventBuilder("a.b", kTenant).build();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(e.time.time_since_epoch()).count();
  std::uint64_t prefix = 0;
  for (int i = 0; i < 6; ++i) prefix = prefix << 8 | e.event_id[static_cast<std::size_t>(i)];
  EXPECT_EQ(prefix, static_cast<std::uint64_t>(ms));
  EXPECT_EQ(e.event_id[6] >> 4, 7);        // UUID version 7
  EXPECT_EQ(e.event_id[8] >> 6, 0b10);     // RFC 9562 variant
}

TEST(TimeOrderedId, MatchesTheRfc9562Example) {
  // RFC 9562 appendix A.6: 017F22E2-79B0-7CC3-98C4-DC0C0C07398F, from these random bits.
  const std::array<std::uint8_t, 10> random{0x0C, 0xC3, 0x18, 0xC4, 0xDC, 0x0C, 0x0C, 0x07, 0x39, 0x8F};
  const TimeOrderedId expected{0x01, 0x7F, 0x22, 0xE2, 0x79, 0xB0, 0x7C, 0xC3,
                               0x98, 0xC4, 0xDC, 0x0C, 0x0C, 0x07, 0x39, 0x8F};
  EXPECT_EQ(time_ordered_id(0x017F22E279B0, random), expected);
}

TEST(TimeOrderedId, SortsByTimeFirst) {
  const std::array<std::uint8_t, 10> high{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  const std::array<std::uint8_t, 10> low{};
  EXPECT_LT(time_ordered_id(1'800'000'000'000, high), time_ordered_id(1'800'000'000'001, low));
}

TEST(EventBuilder, RefusesAttributesNamingSecrets) {
  const auto e = EventBuilder("auth.login", kTenant)
                     .attribute("password", "hunter2")
                     .attribute("refresh_token", "x")
                     .attribute("totp_code", "123456")
                     .attribute("reason", "clock_skew")
                     .build();
  ASSERT_EQ(e.attributes.size(), 1u);
  EXPECT_EQ(attr(e, "reason"), "clock_skew");
}

TEST(EventBuilder, RedactsValuesThatLookLikeCredentials) {
  const auto e = EventBuilder("auth.login", kTenant).attribute("reason", "bwdt_abcdefabcdef").build();
  EXPECT_EQ(attr(e, "reason"), "[redacted]");
}

TEST(EventBuilder, BoundsValuesAndAttributeCount) {
  EventBuilder b("relay.envelope.rejected", kTenant);
  b.anonymous().result(Outcome::kDenied);
  b.attribute("reason", std::string(1000, 'x'));
  for (int i = 0; i < 20; ++i) b.attribute("k" + std::to_string(i), "v");
  const auto e = b.build();
  EXPECT_EQ(attr(e, "reason").size(), kMaxAttributeValueBytes);
  EXPECT_EQ(e.attributes.size(), kMaxAttributes);
  EXPECT_EQ(check_event(e), "");
}

TEST(EventBuilder, RefusesAttributeKeysThatAreNotSnakeCase) {
  const auto e = EventBuilder("a.b", kTenant).attribute("Bad Key", "v").attribute("", "v").build();
  EXPECT_TRUE(e.attributes.empty());
}

TEST(ParseAddress, MapsIpv4AndKeepsIpv6) {
  const auto v4 = parse_address("192.0.2.7:443");
  ASSERT_EQ(v4.size(), 16u);
  EXPECT_EQ(v4.substr(10, 2), std::string("\xFF\xFF", 2));
  EXPECT_EQ(v4.substr(12), std::string("\xC0\x00\x02\x07", 4));
  EXPECT_EQ(parse_address("192.0.2.7"), v4);
  EXPECT_EQ(parse_address("[::1]:443"), parse_address("::1"));
  EXPECT_EQ(parse_address("::1").back(), '\x01');
}

TEST(ParseAddress, EmptyForAnythingElse) {
  EXPECT_EQ(parse_address(""), "");
  EXPECT_EQ(parse_address("localhost"), "");
  EXPECT_EQ(parse_address("[::1"), "");
}

TEST(CheckEvent, RefusesMalformedActionsAndIds) {
  EXPECT_EQ(check_event(EventBuilder("Auth Login", kTenant).build()), "action");
  EXPECT_EQ(check_event(EventBuilder("auth..login", kTenant).build()), "action");
  EXPECT_EQ(check_event(EventBuilder("", kTenant).build()), "action");
  const auto ok = EventBuilder("auth.login", kTenant).anonymous().result(Outcome::kFailure);
  EXPECT_EQ(check_event(ok.build()), "");
  EXPECT_EQ(check_event(EventBuilder(ok).user("short").build()), "actor_id");
  EXPECT_EQ(check_event(EventBuilder(ok).target("", "id").build()), "target_id");
  EXPECT_EQ(check_event(EventBuilder(ok).target("Bad Type").build()), "target_type");
}

TEST(CheckEvent, RefusesWhatTheAuditServiceRefuses) {
  EXPECT_EQ(check_event(EventBuilder("auth.login", kTenant).result(Outcome::kSuccess).build()), "actor_kind");
  EXPECT_EQ(check_event(EventBuilder("auth.login", kTenant).anonymous().build()), "result");
  auto e = EventBuilder("auth.login", kTenant).anonymous().result(Outcome::kSuccess).build();
  e.attributes.emplace_back("reason", std::string("a\nb", 3));
  EXPECT_EQ(check_event(e), "attributes");
}

TEST(EventBuilder, ReplacesInvalidUtf8AndC1Controls) {
  const auto e = EventBuilder("a.b", kTenant)
                     .attribute("bad", std::string("ok\xC3(\xED\xA0\x80\xC2\x85\xC3\xA9", 11))
                     .build();
  EXPECT_EQ(attr(e, "bad"), "ok?(????\xC3\xA9");  // lone lead; surrogate (3 bytes); U+0085; é kept
}

TEST(EventBuilder, ReplacesControlCharactersInValues) {
  const auto e = EventBuilder("a.b", kTenant).attribute("reason", std::string("x\ny\0z", 5)).build();
  EXPECT_EQ(attr(e, "reason"), "x?y?z");
}

TEST(ToProto, CopiesFieldsAndNamesTheProducer) {
  const auto e = EventBuilder("auth.login", kTenant).device(kUser).result(Outcome::kDenied).attribute("a", "b").build();
  const auto p = to_proto(e, "auth");
  EXPECT_EQ(p.event_id(), std::string(reinterpret_cast<const char*>(e.event_id.data()), 16));
  EXPECT_EQ(p.tenant().size(), 16u);
  EXPECT_EQ(p.actor().kind(), breakwater::audit::v1::Actor::DEVICE);
  EXPECT_EQ(p.result(), breakwater::audit::v1::RESULT_DENIED);
  EXPECT_EQ(p.attributes().at("a"), "b");
  EXPECT_EQ(p.producer(), "auth");
  EXPECT_GT(p.time().seconds(), 1'600'000'000);
}

}  // namespace
}  // namespace bw::auditclient
