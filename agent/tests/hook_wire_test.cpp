// The approval hook's formats (hook/hook_wire.hpp): strict parsing, canonical tool input,
// and answers that are allow or deny and nothing else.
#include "hook/hook_wire.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace bw::agent::hook {
namespace {

const std::string kCall =
    R"({"session_id":"s1","transcript_path":"/t","cwd":"/home/u/p","permission_mode":"default",)"
    R"("hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"z":1,"command":"ls -la"},"tool_use_id":"tu_1"})";

TEST(HookWire, ParsesAPreToolUseCallWithCanonicalInput) {
  auto c = parse_hook_input(kCall);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->session_id, "s1");
  EXPECT_EQ(c->tool_name, "Bash");
  EXPECT_EQ(c->tool_use_id, "tu_1");
  EXPECT_EQ(c->cwd, "/home/u/p");
  EXPECT_EQ(c->permission_mode, "default");
  EXPECT_EQ(c->tool_input, R"({"command":"ls -la","z":1})") << "keys sorted, no spaces";
}

TEST(HookWire, ARepeatedKeyInToolInputResolvesAsClaudeCodeDoesLastWins) {
  auto c = parse_hook_input(
      R"({"session_id":"s","cwd":"/","hook_event_name":"PreToolUse","tool_name":"Bash",)"
      R"("tool_input":{"command":"ls","command":"rm -rf /"}})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->tool_input, R"({"command":"rm -rf /"})") << "what is shown is what runs";
}

TEST(HookWire, RefusesMalformedOrForeignInput) {
  for (const std::string& bad :
       {std::string(""), std::string("[]"), std::string("{"), std::string(R"({"hook_event_name":"PostToolUse"})"),
        std::string(R"({"hook_event_name":"PreToolUse","session_id":"s","cwd":"/","tool_name":"Bash"})"),
        std::string(R"({"hook_event_name":"PreToolUse","session_id":"s","cwd":"/","tool_name":"Bash","tool_input":"x"})"),
        std::string(R"({"hook_event_name":"PreToolUse","session_id":"s","cwd":"/","tool_name":7,"tool_input":{}})"),
        std::string(R"({"hook_event_name":"PreToolUse","session_id":"","cwd":"/","tool_name":"B","tool_input":{}})"),
        std::string(R"({"hook_event_name":"PreToolUse","session_id":"s","cwd":"/","tool_name":"B","tool_input":{},"tool_use_id":1})"),
        std::string(R"({"hook_event_name":"PreToolUse","session_id":"s","cwd":"/","tool_name":"B","tool_input":{"a":"\xff"}})")}) {
    EXPECT_FALSE(parse_hook_input(bad)) << bad;
  }
  EXPECT_FALSE(parse_hook_input(std::string(kMaxInput + 1, ' ')));
}

TEST(HookWire, RequestRoundTripsAndCarriesTheSecret) {
  auto c = parse_hook_input(kCall);
  ASSERT_TRUE(c);
  const auto line = encode_request(*c, "s3cr3t");
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
  auto r = parse_request(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->secret, "s3cr3t");
  EXPECT_EQ(r->call.tool_input, c->tool_input);
  EXPECT_EQ(r->call.tool_use_id, c->tool_use_id);
  EXPECT_FALSE(parse_request(R"({"v":2,"secret":"s","call":{}})"));
  EXPECT_FALSE(parse_request(R"({"v":1,"call":{}})"));
}

TEST(HookWire, AnswersAreAllowOrDenyAndNothingElse) {
  auto allow = parse_answer(R"({"v":1,"decision":"allow","reason":"approved on alice's phone"})");
  ASSERT_TRUE(allow);
  EXPECT_TRUE(allow->allow);
  auto deny = parse_answer(R"({"v":1,"decision":"deny"})");
  ASSERT_TRUE(deny);
  EXPECT_FALSE(deny->allow);
  for (const char* bad : {R"({"v":1,"decision":"ask"})", R"({"v":1,"decision":"ALLOW"})", R"({"v":1,"decision":true})",
                          R"({"decision":"allow"})", R"({"v":1})", "allow", R"({"v":1,"decision":"allow","reason":3})"}) {
    EXPECT_FALSE(parse_answer(bad)) << bad;
  }
  auto rt = parse_answer(encode_answer({true, "ok"}).substr(0, encode_answer({true, "ok"}).size() - 1));
  ASSERT_TRUE(rt);
  EXPECT_TRUE(rt->allow);
}

TEST(HookWire, ClaudeOutputIsAnExplicitPreToolUseDecision) {
  for (bool allow : {true, false}) {
    const auto out = claude_output({allow, "why"});
    const auto j = nlohmann::json::parse(out);
    EXPECT_EQ(j["hookSpecificOutput"]["hookEventName"], "PreToolUse");
    EXPECT_EQ(j["hookSpecificOutput"]["permissionDecision"], allow ? "allow" : "deny");
    EXPECT_EQ(j["hookSpecificOutput"]["permissionDecisionReason"], "Breakwater: why");
  }
}

}  // namespace
}  // namespace bw::agent::hook
