// validate(): every documented limit, one test each, with the field named in the message.
#include <gtest/gtest.h>

#include <functional>

#include "bw/audit/errors.hpp"
#include "bw/audit/event.hpp"
#include "event_test_util.hpp"

namespace bw::audit {
namespace {

using testing::sample_event;

// The sample event changed by `change` is refused, with `words` in the message.
void expect_invalid(const std::function<void(Event&)>& change, const std::string& words) {
  Event e = sample_event();
  change(e);
  const Status st = validate(e);
  ASSERT_FALSE(st) << "accepted; expected: " << words;
  EXPECT_TRUE(has_code(st.error(), Errc::kInvalidEvent));
  EXPECT_NE(st.error().message.find(words), std::string::npos) << st.error().message;
}

TEST(EventValidate, AcceptsTheSampleEvent) { EXPECT_TRUE(validate(sample_event())); }

TEST(EventValidate, TimeAfterYear9999) {
  expect_invalid([](Event& e) { e.time_ms = kMaxTimeMs + 1; }, "'time'");
}

TEST(EventValidate, ActorKindUnspecified) {
  expect_invalid([](Event& e) { e.actor_kind = ActorKind::kUnspecified; }, "'actor.kind'");
}

TEST(EventValidate, ActorKindUnknownNumber) {
  expect_invalid([](Event& e) { e.actor_kind = static_cast<ActorKind>(9); }, "'actor.kind'");
}

TEST(EventValidate, UserWithoutA16ByteId) {
  expect_invalid([](Event& e) { e.actor_id.pop_back(); }, "'actor.id' must be 16 bytes");
}

TEST(EventValidate, UserWithAName) {
  expect_invalid([](Event& e) { e.actor_name = "alice"; }, "'actor.name' must be empty");
}

TEST(EventValidate, ServiceWithAnId) {
  expect_invalid([](Event& e) { e.actor_kind = ActorKind::kService; e.actor_name = "auth"; }, "'actor.id' must be empty");
}

TEST(EventValidate, ServiceWithoutAName) {
  expect_invalid([](Event& e) { e.actor_kind = ActorKind::kService; e.actor_id.clear(); }, "'actor.name' must name");
}

TEST(EventValidate, ServiceNameTooLong) {
  expect_invalid(
      [](Event& e) {
        e.actor_kind = ActorKind::kService;
        e.actor_id.clear();
        e.actor_name = std::string(kMaxActorName + 1, 'x');
      },
      "'actor.name' must be at most 64 bytes");
}

TEST(EventValidate, AnonymousWithAnId) {
  expect_invalid([](Event& e) { e.actor_kind = ActorKind::kAnonymous; }, "'actor.id' must be empty");
}

TEST(EventValidate, ActionEmpty) {
  expect_invalid([](Event& e) { e.action.clear(); }, "'action' must be 1..64 characters, got 0");
}

TEST(EventValidate, ActionTooLong) {
  expect_invalid([](Event& e) { e.action = std::string(kMaxAction + 1, 'a'); }, "'action' must be 1..64");
}

TEST(EventValidate, ActionWithUppercaseOrSpace) {
  expect_invalid([](Event& e) { e.action = "auth.Login"; }, "'action' may hold only [a-z0-9._]");
  expect_invalid([](Event& e) { e.action = "auth login"; }, "'action' may hold only [a-z0-9._]");
}

TEST(EventValidate, TargetTypeTooLong) {
  expect_invalid([](Event& e) { e.target_type = std::string(kMaxTargetType + 1, 't'); }, "'target.type'");
}

TEST(EventValidate, TargetIdTooLong) {
  expect_invalid([](Event& e) { e.target_id = Bytes(kMaxTargetId + 1, 1); }, "'target.id' must be at most 64");
}

TEST(EventValidate, TargetIdWithoutType) {
  expect_invalid([](Event& e) { e.target_type.clear(); }, "'target.type' must be set");
}

TEST(EventValidate, ResultUnspecified) {
  expect_invalid([](Event& e) { e.result = Outcome::kUnspecified; }, "'result'");
}

TEST(EventValidate, SourceAddressOfFourBytes) {
  expect_invalid([](Event& e) { e.source_address = Bytes{192, 0, 2, 1}; }, "'source_address'");
}

TEST(EventValidate, TooManyAttributes) {
  expect_invalid(
      [](Event& e) {
        for (int i = 0; i < 20; ++i) e.attributes["k" + std::to_string(i)] = "v";
      },
      "'attributes' may hold at most 16 entries");
}

TEST(EventValidate, AttributeKeyEmpty) {
  expect_invalid([](Event& e) { e.attributes[""] = "v"; }, "'attributes key' must be 1..64");
}

TEST(EventValidate, AttributeKeyTooLong) {
  expect_invalid([](Event& e) { e.attributes[std::string(kMaxAttributeKey + 1, 'k')] = "v"; }, "'attributes key'");
}

TEST(EventValidate, AttributeKeyWithUppercase) {
  expect_invalid([](Event& e) { e.attributes["Reason"] = "v"; }, "'attributes key' may hold only");
}

TEST(EventValidate, AttributeValueTooLong) {
  expect_invalid([](Event& e) { e.attributes["reason"] = std::string(kMaxAttributeValue + 1, 'v'); },
                 "'attributes[reason]' must be at most 256 bytes");
}

TEST(EventValidate, AttributeValueWithAControlCharacter) {
  expect_invalid([](Event& e) { e.attributes["reason"] = "a\x1b[31m"; }, "'attributes[reason]'");
  expect_invalid([](Event& e) { e.attributes["reason"] = std::string("a\0b", 3); }, "'attributes[reason]'");
  expect_invalid([](Event& e) { e.attributes["reason"] = "a\xc2\x85"; }, "'attributes[reason]'");  // U+0085 (C1)
}

TEST(EventValidate, ProducerEmptyOrTooLong) {
  expect_invalid([](Event& e) { e.producer.clear(); }, "'producer' must be 1..32");
  expect_invalid([](Event& e) { e.producer = std::string(kMaxProducer + 1, 'p'); }, "'producer' must be 1..32");
}

TEST(CleanText, AcceptsUtf8UpToTheLastCodePoint) {
  EXPECT_TRUE(is_clean_text(""));
  EXPECT_TRUE(is_clean_text("plain ASCII ~"));
  EXPECT_TRUE(is_clean_text("\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92"));  // é € 🔒
  EXPECT_TRUE(is_clean_text("\xf4\x8f\xbf\xbf"));                       // U+10FFFF
  EXPECT_TRUE(is_clean_text("\xc2\xa0"));                               // U+00A0, just past C1
}

TEST(CleanText, RejectsEveryMalformedOrControlForm) {
  for (const std::string bad : {"\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xed\xa0\x80",
                                "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xc3", "\xe2\x82", "\xc3\x28", "\x7f",
                                "\x1f", "\t", "\xc2\x9f"}) {
    EXPECT_FALSE(is_clean_text(bad)) << ::testing::PrintToString(bad);
  }
}

}  // namespace
}  // namespace bw::audit
