// ScriptedModelServer on its own, over a raw loopback socket: the Messages API event sequence
// a turn streams as, turns consumed only by main-loop requests, every request recorded.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bw/testing/model_server.hpp"

namespace bw::testing {
namespace {

using nlohmann::json;

struct HttpReply {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// One HTTP/1.1 request with Connection: close; the reply is read to EOF.
HttpReply exchange(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body) {
  HttpReply reply;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return reply;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                    "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (std::size_t sent = 0; sent < req.size();) {
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  auto split = raw.find("\r\n\r\n");
  if (split == std::string::npos || raw.size() < 12) return reply;
  reply.head = raw.substr(0, split);
  reply.body = raw.substr(split + 4);
  reply.status = std::stoi(raw.substr(9, 3));
  return reply;
}

std::string messages_request(bool with_tools, bool stream, const std::string& model = "claude-test-model") {
  json body = {{"model", model},
               {"max_tokens", 1024},
               {"stream", stream},
               {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
  if (with_tools) body["tools"] = json::array({{{"name", "Bash"}, {"input_schema", {{"type", "object"}}}}});
  return body.dump();
}

// The data of each SSE event, in order, checking that every `event:` line names its data's type.
std::vector<json> sse_events(const std::string& body) {
  std::vector<json> events;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    std::string block = body.substr(pos, end - pos);
    pos = end + 2;
    auto ev = block.find("event: ");
    auto data = block.find("\ndata: ");
    if (ev != 0 || data == std::string::npos) {
      ADD_FAILURE() << "not an SSE event: " << block;
      continue;
    }
    json parsed = json::parse(block.substr(data + 7));
    EXPECT_EQ(block.substr(7, data - 7), parsed.at("type").get<std::string>());
    events.push_back(std::move(parsed));
  }
  return events;
}

std::vector<std::string> types_of(const std::vector<json>& events) {
  std::vector<std::string> types;
  for (const auto& e : events) types.push_back(e.at("type"));
  return types;
}

ScriptedModelServer start_or_die(std::vector<ScriptedTurn> scenario) {
  auto server = ScriptedModelServer::start(std::move(scenario));
  if (!server) throw std::runtime_error(server.error().message);
  return std::move(server).value();
}

TEST(ScriptedModelServer, StreamsATextTurnAsMessagesApiEvents) {
  auto server = start_or_die({ScriptedTurn::say("Hello from the script")});
  auto reply = exchange(server.port(), "POST", "/v1/messages?beta=true", messages_request(true, true));
  ASSERT_EQ(reply.status, 200) << reply.head;
  EXPECT_NE(reply.head.find("text/event-stream"), std::string::npos) << reply.head;
  auto events = sse_events(reply.body);
  EXPECT_EQ(types_of(events), (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                                        "content_block_stop", "message_delta", "message_stop"}));
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0]["message"]["model"], "claude-test-model");
  EXPECT_EQ(events[0]["message"]["role"], "assistant");
  EXPECT_EQ(events[1]["content_block"]["type"], "text");
  EXPECT_EQ(events[2]["delta"]["type"], "text_delta");
  EXPECT_EQ(events[2]["delta"]["text"], "Hello from the script");
  EXPECT_EQ(events[4]["delta"]["stop_reason"], "end_turn");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].kind, ModelRequest::Kind::kTurn);
  EXPECT_EQ(requests[0].turn, 0);
  EXPECT_EQ(requests[0].target, "/v1/messages?beta=true");
  EXPECT_EQ(requests[0].body, messages_request(true, true));
  EXPECT_TRUE(requests[0].stream);
}

TEST(ScriptedModelServer, StreamsAToolUseWithItsInputAsOneJsonDelta) {
  auto server = start_or_die({ScriptedTurn::call("Bash", R"({"command":"echo hi > f","description":"d"})", "Running")});
  auto events = sse_events(exchange(server.port(), "POST", "/v1/messages", messages_request(true, true)).body);
  ASSERT_EQ(events.size(), 9u) << json(events).dump();
  EXPECT_EQ(events[2]["delta"]["text"], "Running");
  EXPECT_EQ(events[4]["type"], "content_block_start");
  EXPECT_EQ(events[4]["index"], 1);
  EXPECT_EQ(events[4]["content_block"]["type"], "tool_use");
  EXPECT_EQ(events[4]["content_block"]["name"], "Bash");
  EXPECT_EQ(events[4]["content_block"]["id"], "toolu_bw_0_0");
  EXPECT_EQ(events[5]["delta"]["type"], "input_json_delta");
  EXPECT_EQ(json::parse(events[5]["delta"]["partial_json"].get<std::string>()),
            json({{"command", "echo hi > f"}, {"description", "d"}}));
  EXPECT_EQ(events[7]["delta"]["stop_reason"], "tool_use");
}

TEST(ScriptedModelServer, SideRequestsAndCountTokensDoNotConsumeTurns) {
  auto server = start_or_die({ScriptedTurn::say("first"), ScriptedTurn::say("second")});
  auto side = sse_events(exchange(server.port(), "POST", "/v1/messages", messages_request(false, true, "haiku")).body);
  ASSERT_EQ(side.size(), 6u);
  EXPECT_EQ(side[2]["delta"]["text"], "OK");
  auto count = exchange(server.port(), "POST", "/v1/messages/count_tokens", messages_request(true, false));
  EXPECT_EQ(count.status, 200);
  EXPECT_TRUE(json::parse(count.body).at("input_tokens").is_number()) << count.body;
  auto turn = sse_events(exchange(server.port(), "POST", "/v1/messages", messages_request(true, true)).body);
  ASSERT_EQ(turn.size(), 6u);
  EXPECT_EQ(turn[2]["delta"]["text"], "first");

  EXPECT_EQ(server.turns_served(), 1u);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u) << server.describe_requests();
  EXPECT_EQ(requests[0].kind, ModelRequest::Kind::kSide);
  EXPECT_EQ(requests[0].model, "haiku");
  EXPECT_EQ(requests[1].kind, ModelRequest::Kind::kCountTokens);
  EXPECT_EQ(requests[2].kind, ModelRequest::Kind::kTurn);
  ASSERT_EQ(server.turn_requests().size(), 1u);
}

TEST(ScriptedModelServer, AnswersARequestWithoutStreamAsOneMessage) {
  auto server = start_or_die({ScriptedTurn::call("Write", R"({"file_path":"/x","content":"y"})", "Writing")});
  auto reply = exchange(server.port(), "POST", "/v1/messages", messages_request(true, false));
  ASSERT_EQ(reply.status, 200) << reply.head;
  json message = json::parse(reply.body);
  EXPECT_EQ(message["type"], "message");
  EXPECT_EQ(message["stop_reason"], "tool_use");
  ASSERT_EQ(message["content"].size(), 2u);
  EXPECT_EQ(message["content"][0]["text"], "Writing");
  EXPECT_EQ(message["content"][1]["name"], "Write");
  EXPECT_EQ(message["content"][1]["input"], json({{"file_path", "/x"}, {"content", "y"}}));
}

TEST(ScriptedModelServer, RecordsRequestsPastTheEndOfTheScenario) {
  auto server = start_or_die({ScriptedTurn::say("only")});
  exchange(server.port(), "POST", "/v1/messages", messages_request(true, true));
  auto extra = sse_events(exchange(server.port(), "POST", "/v1/messages", messages_request(true, true)).body);
  ASSERT_EQ(extra.size(), 6u);
  EXPECT_NE(extra[2]["delta"]["text"].get<std::string>().find("no turn 1"), std::string::npos);
  EXPECT_EQ(server.turns_served(), 1u);
  EXPECT_EQ(server.exhausted_requests(), 1u);
}

TEST(ScriptedModelServer, AnswersOtherPathsWithoutConsumingTurns) {
  auto server = start_or_die({ScriptedTurn::say("x")});
  EXPECT_EQ(exchange(server.port(), "HEAD", "/api/hello", "").status, 200);
  auto missing = exchange(server.port(), "POST", "/v1/complete", "{}");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["type"], "error");
  EXPECT_EQ(server.turns_served(), 0u);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].kind, ModelRequest::Kind::kOther);
  EXPECT_EQ(requests[1].target, "/v1/complete");
}

TEST(ScriptedModelServer, RefusesAToolInputThatIsNotAJsonObject) {
  auto server = ScriptedModelServer::start({ScriptedTurn::say("a"), ScriptedTurn::call("Bash", R"(["ls"])")});
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().message.find("turn 1"), std::string::npos) << server.error().message;
}

}  // namespace
}  // namespace bw::testing
