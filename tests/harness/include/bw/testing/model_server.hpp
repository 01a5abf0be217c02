// ScriptedModelServer: a stand-in for Anthropic's Messages API on loopback, so tests run the
// real Claude Code CLI (ANTHROPIC_BASE_URL=base_url()) with only the model simulated.
//
// A scenario is the ordered list of assistant turns the "model" gives. Each main-loop request
// (POST /v1/messages carrying a non-empty `tools` array) takes the next turn; the reply is
// streamed as Server-Sent Events exactly as the Messages API streams:
//   message_start → per block: content_block_start, content_block_delta (text_delta, or
//   input_json_delta for a tool_use block), content_block_stop → message_delta (stop_reason
//   "tool_use" when the turn calls a tool, else "end_turn") → message_stop;
// or, when the request does not ask for a stream, as one JSON message object.
//
// What Claude Code 2.1.330 sends (observed with `-p --output-format stream-json`, HOME in a
// scratch folder, ANTHROPIC_API_KEY=test, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1):
//   - one `POST /v1/messages?beta=true` per model turn, `"stream": true`, ~50 KB of JSON
//     (system prompt, 12 tool definitions, the conversation); the tool_result of a tool call
//     is the last `user` message of the next request;
//   - nothing else. Without CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC it also sends
//     `HEAD /api/hello` first (a connectivity probe; any answer will do).
// Requests that are not main-loop turns never consume the scenario:
//   - a POST /v1/messages without tools (how side calls such as title or summary generation
//     look) gets `side_reply` as a short end_turn text — none were seen in -p mode;
//   - POST /v1/messages/count_tokens gets {"input_tokens": N};
//   - HEAD/GET of anything gets an empty 200; anything else a 404 in the API's error shape.
// Every request is recorded (kind, model, body) so a test can assert what Claude Code sent.
// When the scenario is used up, further turn requests get an end_turn text saying so and are
// recorded as kExhausted — assert `exhausted_requests() == 0` to catch a runaway loop.
//
// Plain HTTP on 127.0.0.1 and a kernel-chosen port (no bind race); the CLI accepts an
// http:// base URL. Thread-safe: the server's worker threads and the test may call in at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bw/result.hpp"

namespace bw::http {
class Server;
}

namespace bw::testing {

struct ScriptedToolUse {
  std::string name;        // "Bash", "Write", ...
  std::string input_json;  // the tool's input, one JSON object, e.g. {"command":"ls"}
  std::string id;          // empty: "toolu_bw_<turn>_<n>" (unique within one server)
};

struct ScriptedTurn {
  std::string text;                       // empty: no text block
  std::vector<ScriptedToolUse> tool_uses; // streamed after the text, in order

  static ScriptedTurn say(std::string text) { return ScriptedTurn{std::move(text), {}}; }
  static ScriptedTurn call(std::string tool, std::string input_json, std::string text = {}) {
    return ScriptedTurn{std::move(text), {ScriptedToolUse{std::move(tool), std::move(input_json), {}}}};
  }
};

struct ModelRequest {
  enum class Kind {
    kTurn,       // a main-loop /v1/messages request; answered with scenario turn `turn`
    kSide,       // /v1/messages without tools; answered with side_reply
    kExhausted,  // a main-loop request after the last turn
    kCountTokens,
    kOther,      // anything else (answered 200 empty for HEAD/GET, else 404)
  };
  Kind kind = Kind::kOther;
  std::string method;
  std::string target;  // path and query, e.g. "/v1/messages?beta=true"
  std::string body;
  std::string model;   // the body's "model", when it has one
  bool stream = false; // the body asked for a stream
  int turn = -1;       // scenario index for kTurn, else -1
};

struct ModelServerOptions {
  std::string side_reply = "OK";
  std::string message_id_prefix = "msg_bw_";  // message ids are <prefix><n>
  std::size_t max_body_bytes = 8 * 1024 * 1024;
};

class ScriptedModelServer {
 public:
  // Starts listening on 127.0.0.1 (port chosen by the kernel). Errors: a tool input that is
  // not a JSON object (code 1, message names the turn), or the HTTP server's own error.
  static Result<ScriptedModelServer> start(std::vector<ScriptedTurn> scenario, ModelServerOptions options = {});

  ScriptedModelServer(ScriptedModelServer&&) noexcept;
  ScriptedModelServer& operator=(ScriptedModelServer&&) noexcept;
  ~ScriptedModelServer();  // stops the server and joins its threads

  std::uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>", for ANTHROPIC_BASE_URL

  std::vector<ModelRequest> requests() const;        // every request so far, in arrival order
  std::vector<ModelRequest> turn_requests() const;   // the kTurn ones; [i] got turn i
  std::size_t turns_served() const;
  std::size_t exhausted_requests() const;
  // One line per request ("POST /v1/messages?beta=true turn 0 model=…"), for failure messages.
  std::string describe_requests() const;

  struct State;  // shared with the HTTP handler (model_server.cpp)

 private:
  ScriptedModelServer() = default;
  std::shared_ptr<State> state_;
  std::unique_ptr<http::Server> server_;
};

// The SSE body streamed for one turn (exposed for the fixture's own unit test).
std::string encode_turn_as_sse(const ScriptedTurn& turn, const std::vector<std::string>& tool_ids,
                               const std::string& message_id, const std::string& model);
// The same turn as one non-streaming Messages API response object.
std::string encode_turn_as_json(const ScriptedTurn& turn, const std::vector<std::string>& tool_ids,
                                const std::string& message_id, const std::string& model);

}  // namespace bw::testing
