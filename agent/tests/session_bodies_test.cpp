#include "session/session_bodies.hpp"

#include <gtest/gtest.h>

namespace bw::agent::session {
namespace {

TEST(OutputMessage, CarriesTheLineExactlyAsPrinted) {
  const std::string line = R"({"type":"assistant","message":{"content":[{"type":"text","text":"hi \"there\""}]}})";
  auto [kind, body] = output_message("s1", line);
  EXPECT_EQ(kind, e2e::Kind::kOutput);
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["session"], "s1");
  EXPECT_EQ(j["stream"], line);
}

TEST(OutputMessage, ALineTooLargeForOneBodyBecomesAnEventWithItsSize) {
  const std::string line(e2e::kMaxBody, 'x');  // plus the JSON around it: over the limit
  auto [kind, body] = output_message("s1", line);
  EXPECT_EQ(kind, e2e::Kind::kEvent);
  EXPECT_LE(body.size(), e2e::kMaxBody);
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["event"], "output_too_large");
  EXPECT_EQ(j["bytes"], e2e::kMaxBody);
  EXPECT_EQ(j["session"], "s1");
}

TEST(OutputMessage, EscapingCountsTowardsTheLimit) {
  // Half the limit of quotes doubles when escaped: over the limit although the line is not.
  const std::string line(e2e::kMaxBody / 2 + 16, '"');
  auto [kind, body] = output_message("s1", line);
  EXPECT_EQ(kind, e2e::Kind::kEvent);
  EXPECT_LE(body.size(), e2e::kMaxBody);
}

TEST(OutputMessage, TheLargestLineThatFitsIsSentWhole) {
  const std::string prefix = R"({"session":"s1","stream":")";
  const std::string line(e2e::kMaxBody - prefix.size() - 2, 'y');
  auto [kind, body] = output_message("s1", line);
  EXPECT_EQ(kind, e2e::Kind::kOutput);
  EXPECT_EQ(body.size(), e2e::kMaxBody);
}

TEST(EventBody, InvalidUtf8IsReplacedNotThrown) {
  const std::string body = event_body("s1", "error", {{"error", std::string("bad \xff byte")}});
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["event"], "error");
  EXPECT_NE(j["error"].get<std::string>().find("bad "), std::string::npos);
}

}  // namespace
}  // namespace bw::agent::session
