// Claude Code's stream-json output as the agent reads it (session/stream_json.hpp).
#include "session/stream_json.hpp"

#include <gtest/gtest.h>

namespace bw::agent::session {
namespace {

using Kind = StreamEvent::Kind;

// Shapes Claude Code 2.1.330 prints (see tests/harness/claude_code_test.cpp).
const std::string kInit =
    R"({"type":"system","subtype":"init","cwd":"/p","session_id":"0f3c","tools":["Bash"],"model":"m"})";
const std::string kAssistant =
    R"({"type":"assistant","message":{"content":[{"type":"text","text":"hi"}]},"session_id":"0f3c"})";
const std::string kResult = R"({"type":"result","subtype":"success","is_error":false,"session_id":"0f3c"})";

TEST(StreamJson, SplitsLinesAcrossChunksAndKeepsThemExactly) {
  StreamJsonReader r;
  const std::string all = kInit + "\n" + kAssistant + "\r\n" + kResult + "\n";
  std::vector<StreamEvent> got;
  for (std::size_t i = 0; i < all.size(); i += 7) {
    auto part = r.feed(std::string_view(all).substr(i, 7));
    got.insert(got.end(), part.begin(), part.end());
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].type, "system");
  EXPECT_EQ(got[0].subtype, "init");
  EXPECT_EQ(got[0].session_id, "0f3c");
  EXPECT_EQ(got[0].line, kInit);
  EXPECT_EQ(got[1].line, kAssistant) << "the \r is not part of the line";
  EXPECT_EQ(got[2].type, "result");
  EXPECT_FALSE(got[2].is_error);
  EXPECT_TRUE(r.finish().empty());
}

TEST(StreamJson, ReportsMalformedLinesWithoutForwardingThem) {
  StreamJsonReader r;
  auto got = r.feed("not json\n[1,2]\n{\"type\":7}\n{\"no\":\"type\"}\n{\"type\":\"\"}\n\n" + kResult + "\n");
  ASSERT_EQ(got.size(), 6u) << "the empty line is skipped";
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i].kind, Kind::kMalformed) << i;
    EXPECT_TRUE(got[i].line.empty()) << i;
  }
  EXPECT_EQ(got[5].kind, Kind::kEvent);
}

TEST(StreamJson, AnOversizedLineIsReportedOnceAndSkippedToItsEnd) {
  StreamJsonReader r;
  std::vector<StreamEvent> got;
  const std::string big(1024 * 1024, 'x');
  for (int i = 0; i < 6; ++i) {
    auto part = r.feed(big);
    got.insert(got.end(), part.begin(), part.end());
  }
  auto tail = r.feed("still the same line\n" + kResult + "\n");
  got.insert(got.end(), tail.begin(), tail.end());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind, Kind::kOversized);
  EXPECT_EQ(got[1].type, "result") << "reading resumes after the oversized line";
}

TEST(StreamJson, ALastLineWithoutNewlineIsReadAtTheEnd) {
  StreamJsonReader r;
  EXPECT_TRUE(r.feed(kResult).empty());
  auto got = r.finish();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type, "result");
}

TEST(StreamJson, AnErrorResultIsFlagged) {
  auto e = parse_stream_line(R"({"type":"result","subtype":"error_during_execution","is_error":true})");
  EXPECT_TRUE(e.is_error);
  EXPECT_EQ(e.subtype, "error_during_execution");
}

}  // namespace
}  // namespace bw::agent::session
