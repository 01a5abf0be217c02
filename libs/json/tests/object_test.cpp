// Strict request bodies: what is accepted, and every refusal with the field it names.
#include "bw/json/object.hpp"

#include <gtest/gtest.h>

namespace bw::json {
namespace {

void expect_refused(std::string_view body, JsonError code, std::string_view mentions, const JsonLimits& limits = {}) {
  auto r = parse_object(body, limits);
  ASSERT_FALSE(r) << body;
  EXPECT_EQ(r.error().code, static_cast<int>(code)) << body << ": " << r.error().message;
  EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
}

TEST(JsonObject, ReadsTypedFieldsAndRefusesUnreadOnes) {
  auto f = parse_object(R"({"email":"a@example.com","password":"correct horse","remember":true,"n":42,"x":null})");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->string("email", 3, 254).value(), "a@example.com");
  EXPECT_EQ(f->string("password", 12, 1024).value(), "correct horse");
  EXPECT_TRUE(f->boolean("remember").value());
  EXPECT_EQ(f->integer("n", 0, 100).value(), 42);
  EXPECT_FALSE(f->optional_string("x", 0, 10).value().has_value());  // null is absent
  EXPECT_TRUE(f->finish());
  auto g = parse_object(R"({"email":"a@example.com","pasword":"typo"})");
  ASSERT_TRUE(g);
  ASSERT_TRUE(g->string("email", 3, 254));
  auto done = g->finish();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, static_cast<int>(JsonError::kUnknownField));
  EXPECT_NE(done.error().message.find("\"pasword\""), std::string::npos);
}

TEST(JsonObject, FieldErrorsNameTheFieldNeverTheValue) {
  auto f = parse_object(R"({"password":"short","role":"king","age":"x","n":500})");
  ASSERT_TRUE(f);
  auto p = f->string("password", 12, 1024);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, static_cast<int>(JsonError::kOutOfRange));
  EXPECT_NE(p.error().message.find("\"password\""), std::string::npos);
  EXPECT_EQ(p.error().message.find("short"), std::string::npos);  // the secret is never echoed
  auto r = f->one_of("role", {"owner", "admin", "member", "viewer"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("owner, admin, member, viewer"), std::string::npos);
  EXPECT_EQ(f->integer("age", 0, 10).error().code, static_cast<int>(JsonError::kWrongType));
  EXPECT_EQ(f->integer("n", 0, 10).error().code, static_cast<int>(JsonError::kOutOfRange));
  EXPECT_EQ(f->string("missing", 0, 10).error().code, static_cast<int>(JsonError::kMissing));
  EXPECT_EQ(f->boolean("missing").error().code, static_cast<int>(JsonError::kMissing));
}

TEST(JsonObject, RefusesWhatIsNotOneFlatObject) {
  expect_refused("", JsonError::kSyntax, "malformed");
  expect_refused("[]", JsonError::kSyntax, "must be a JSON object");
  expect_refused("\"x\"", JsonError::kSyntax, "must be a JSON object");
  expect_refused("42", JsonError::kSyntax, "must be a JSON object");
  expect_refused("{\"a\":1} {}", JsonError::kSyntax, "malformed");
  expect_refused("{\"a\":1,}", JsonError::kSyntax, "malformed");
  expect_refused("{'a':1}", JsonError::kSyntax, "malformed");
  expect_refused(R"({"a":{"b":1}})", JsonError::kUnsupported, "\"a\": nested objects");
  expect_refused(R"({"a":[1]})", JsonError::kUnsupported, "\"a\": arrays");
  expect_refused(R"({"a":1.5})", JsonError::kUnsupported, "\"a\": only integers");
  expect_refused(R"({"a":1,"a":2})", JsonError::kUnsupported, "\"a\": appears twice");
  expect_refused(R"({"a":18446744073709551615})", JsonError::kOutOfRange, "too large");
  expect_refused("{\"a\":\"\xff\"}", JsonError::kSyntax, "malformed");  // invalid UTF-8
  expect_refused("{\"a\":\"\xc0\xaf\"}", JsonError::kSyntax, "malformed");  // overlong
  expect_refused("{\"a\":\"\x01\"}", JsonError::kSyntax, "malformed");  // raw control character
}

TEST(JsonObject, EnforcesItsLimits) {
  JsonLimits small{.max_body_bytes = 40, .max_fields = 2, .max_key_bytes = 4, .max_string_bytes = 5};
  expect_refused(std::string(41, ' '), JsonError::kTooLarge, "too large", small);
  expect_refused(R"({"a":1,"b":2,"c":3})", JsonError::kTooLarge, "too many fields", small);
  expect_refused(R"({"abcde":1})", JsonError::kTooLarge, "name is too long", small);
  expect_refused(R"({"a":"123456"})", JsonError::kTooLarge, "\"a\": string too long", small);
  EXPECT_TRUE(parse_object(R"({"abcd":"12345","b":2})", small));
}

TEST(JsonObject, DecodesEscapesAndUnicode) {
  auto f = parse_object(R"({"name":"caf\u00e9 \"q\" \ud83d\ude00","k":"€"})");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->string("name", 0, 100).value(), "caf\xc3\xa9 \"q\" \xf0\x9f\x98\x80");
  EXPECT_EQ(f->string("k", 0, 100).value(), "\xe2\x82\xac");
  expect_refused(R"({"a":"\ud800"})", JsonError::kSyntax, "malformed");  // lone surrogate
}

}  // namespace
}  // namespace bw::json
