// ScriptedModelServer: the scenario's turns as Messages API answers, over bw::http's server in
// plaintext mode. A streamed answer is sent as one complete text/event-stream body: the CLI
// parses the events the same way whether they arrive in one write or many.
#include "bw/testing/model_server.hpp"

#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "bw/http/server.hpp"

namespace bw::testing {

using nlohmann::json;

struct ScriptedModelServer::State {
  std::vector<ScriptedTurn> scenario;
  ModelServerOptions options;
  mutable std::mutex mu;
  std::size_t next_turn = 0;
  std::size_t messages = 0;
  std::vector<ModelRequest> requests;
};

namespace {

constexpr int kUsageInput = 10;
constexpr int kUsageOutput = 5;

json usage(int input, int output) { return json{{"input_tokens", input}, {"output_tokens", output}}; }

void add_event(std::string& out, const json& event) {
  out += "event: ";
  out += event.at("type").get<std::string>();
  out += "\ndata: ";
  out += event.dump();
  out += "\n\n";
}

std::string stop_reason(const ScriptedTurn& turn) { return turn.tool_uses.empty() ? "end_turn" : "tool_use"; }

// Tool inputs were checked to be JSON objects in start().
json parsed_input(const ScriptedToolUse& use) { return json::parse(use.input_json); }

http::Response sse_response(std::string body) {
  http::Response r;
  r.content_type = "text/event-stream";
  r.body = std::move(body);
  return r;
}

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string api_error(const std::string& type, const std::string& message) {
  return json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump();
}

// Classifies a request and, for /v1/messages, picks the turn it gets. Caller holds mu.
ModelRequest classify(ScriptedModelServer::State& s, const http::Request& req, const json& body) {
  ModelRequest r;
  r.method = req.method;
  r.target = req.target;
  r.body = req.body;
  if (body.is_object()) {
    if (auto m = body.find("model"); m != body.end() && m->is_string()) r.model = m->get<std::string>();
    if (auto st = body.find("stream"); st != body.end() && st->is_boolean()) r.stream = st->get<bool>();
  }
  if (req.method != "POST") return r;
  if (req.path == "/v1/messages/count_tokens") {
    r.kind = ModelRequest::Kind::kCountTokens;
  } else if (req.path == "/v1/messages") {
    const auto tools = body.is_object() ? body.find("tools") : body.end();
    const bool has_tools = body.is_object() && tools != body.end() && tools->is_array() && !tools->empty();
    if (!has_tools) {
      r.kind = ModelRequest::Kind::kSide;
    } else if (s.next_turn < s.scenario.size()) {
      r.kind = ModelRequest::Kind::kTurn;
      r.turn = static_cast<int>(s.next_turn++);
    } else {
      r.kind = ModelRequest::Kind::kExhausted;
    }
  }
  return r;
}

std::vector<std::string> tool_ids_for(const ScriptedTurn& turn, int turn_index) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < turn.tool_uses.size(); ++i) {
    const auto& given = turn.tool_uses[i].id;
    ids.push_back(!given.empty() ? given
                                 : "toolu_bw_" + std::to_string(turn_index) + "_" + std::to_string(i));
  }
  return ids;
}

http::Response answer_messages(const ScriptedTurn& turn, int turn_index, const std::string& message_id,
                               const ModelRequest& r) {
  const auto ids = tool_ids_for(turn, turn_index);
  const std::string model = r.model.empty() ? "scripted-model" : r.model;
  if (r.stream) return sse_response(encode_turn_as_sse(turn, ids, message_id, model));
  return json_response(200, encode_turn_as_json(turn, ids, message_id, model));
}

http::Response handle(ScriptedModelServer::State& s, const http::Request& req) {
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  ScriptedTurn turn;
  ModelRequest r;
  std::string message_id;
  {
    std::lock_guard lock(s.mu);
    r = classify(s, req, body);
    s.requests.push_back(r);
    switch (r.kind) {
      case ModelRequest::Kind::kTurn: turn = s.scenario[static_cast<std::size_t>(r.turn)]; break;
      case ModelRequest::Kind::kSide: turn = ScriptedTurn::say(s.options.side_reply); break;
      case ModelRequest::Kind::kExhausted:
        turn = ScriptedTurn::say("[scripted model: the scenario has no turn " + std::to_string(s.next_turn) + "]");
        break;
      default: break;
    }
    message_id = s.options.message_id_prefix + std::to_string(++s.messages);
  }
  switch (r.kind) {
    case ModelRequest::Kind::kTurn:
    case ModelRequest::Kind::kSide:
    case ModelRequest::Kind::kExhausted:
      return answer_messages(turn, r.turn, message_id, r);
    case ModelRequest::Kind::kCountTokens: return json_response(200, R"({"input_tokens":10})");
    case ModelRequest::Kind::kOther: break;
  }
  if (req.method == "HEAD" || req.method == "GET") return json_response(200, "");
  return json_response(404, api_error("not_found_error", "the scripted model server has no " + req.path));
}

}  // namespace

std::string encode_turn_as_sse(const ScriptedTurn& turn, const std::vector<std::string>& tool_ids,
                               const std::string& message_id, const std::string& model) {
  std::string out;
  add_event(out, {{"type", "message_start"},
                  {"message",
                   {{"id", message_id},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", model},
                    {"content", json::array()},
                    {"stop_reason", nullptr},
                    {"stop_sequence", nullptr},
                    {"usage", usage(kUsageInput, 1)}}}});
  int index = 0;
  if (!turn.text.empty()) {
    add_event(out, {{"type", "content_block_start"}, {"index", index}, {"content_block", {{"type", "text"}, {"text", ""}}}});
    add_event(out, {{"type", "content_block_delta"}, {"index", index}, {"delta", {{"type", "text_delta"}, {"text", turn.text}}}});
    add_event(out, {{"type", "content_block_stop"}, {"index", index}});
    ++index;
  }
  for (std::size_t i = 0; i < turn.tool_uses.size(); ++i, ++index) {
    const auto& use = turn.tool_uses[i];
    add_event(out, {{"type", "content_block_start"},
                    {"index", index},
                    {"content_block", {{"type", "tool_use"}, {"id", tool_ids.at(i)}, {"name", use.name}, {"input", json::object()}}}});
    add_event(out, {{"type", "content_block_delta"},
                    {"index", index},
                    {"delta", {{"type", "input_json_delta"}, {"partial_json", parsed_input(use).dump()}}}});
    add_event(out, {{"type", "content_block_stop"}, {"index", index}});
  }
  add_event(out, {{"type", "message_delta"},
                  {"delta", {{"stop_reason", stop_reason(turn)}, {"stop_sequence", nullptr}}},
                  {"usage", {{"output_tokens", kUsageOutput}}}});
  add_event(out, {{"type", "message_stop"}});
  return out;
}

std::string encode_turn_as_json(const ScriptedTurn& turn, const std::vector<std::string>& tool_ids,
                                const std::string& message_id, const std::string& model) {
  json content = json::array();
  if (!turn.text.empty()) content.push_back({{"type", "text"}, {"text", turn.text}});
  for (std::size_t i = 0; i < turn.tool_uses.size(); ++i) {
    const auto& use = turn.tool_uses[i];
    content.push_back({{"type", "tool_use"}, {"id", tool_ids.at(i)}, {"name", use.name}, {"input", parsed_input(use)}});
  }
  return json{{"id", message_id},
              {"type", "message"},
              {"role", "assistant"},
              {"model", model},
              {"content", std::move(content)},
              {"stop_reason", stop_reason(turn)},
              {"stop_sequence", nullptr},
              {"usage", usage(kUsageInput, kUsageOutput)}}
      .dump();
}

Result<ScriptedModelServer> ScriptedModelServer::start(std::vector<ScriptedTurn> scenario, ModelServerOptions options) {
  for (std::size_t t = 0; t < scenario.size(); ++t) {
    for (const auto& use : scenario[t].tool_uses) {
      if (!json::parse(use.input_json, nullptr, false).is_object()) {
        return Error{1, "scenario turn " + std::to_string(t) + ": the input of tool " + use.name +
                            " is not a JSON object: " + use.input_json};
      }
    }
  }
  ScriptedModelServer server;
  server.state_ = std::make_shared<State>();
  server.state_->scenario = std::move(scenario);
  server.state_->options = options;

  http::ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.plaintext = true;
  o.workers = 2;
  o.max_header_bytes = 64 * 1024;
  o.max_body_bytes = options.max_body_bytes;
  o.request_timeout = std::chrono::milliseconds(30'000);
  std::weak_ptr<State> weak = server.state_;
  auto started = http::start_server(o, [weak](const http::Request& req) {
    auto s = weak.lock();
    if (!s) return json_response(503, api_error("overloaded_error", "the scripted model server is stopping"));
    return handle(*s, req);
  });
  if (!started) return started.error();
  server.server_ = std::move(started).value();
  return server;
}

ScriptedModelServer::ScriptedModelServer(ScriptedModelServer&&) noexcept = default;
ScriptedModelServer& ScriptedModelServer::operator=(ScriptedModelServer&&) noexcept = default;

ScriptedModelServer::~ScriptedModelServer() {
  if (server_) server_->stop();
}

std::uint16_t ScriptedModelServer::port() const { return server_->port(); }

std::string ScriptedModelServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

std::vector<ModelRequest> ScriptedModelServer::requests() const {
  std::lock_guard lock(state_->mu);
  return state_->requests;
}

std::vector<ModelRequest> ScriptedModelServer::turn_requests() const {
  std::lock_guard lock(state_->mu);
  std::vector<ModelRequest> out;
  for (const auto& r : state_->requests) {
    if (r.kind == ModelRequest::Kind::kTurn) out.push_back(r);
  }
  return out;
}

std::size_t ScriptedModelServer::turns_served() const {
  std::lock_guard lock(state_->mu);
  return state_->next_turn;
}

std::size_t ScriptedModelServer::exhausted_requests() const {
  std::lock_guard lock(state_->mu);
  std::size_t n = 0;
  for (const auto& r : state_->requests) n += r.kind == ModelRequest::Kind::kExhausted ? 1 : 0;
  return n;
}

std::string ScriptedModelServer::describe_requests() const {
  static constexpr const char* kKinds[] = {"turn", "side", "exhausted", "count_tokens", "other"};
  std::ostringstream out;
  std::lock_guard lock(state_->mu);
  for (const auto& r : state_->requests) {
    out << r.method << ' ' << r.target << ' ' << kKinds[static_cast<int>(r.kind)];
    if (r.turn >= 0) out << ' ' << r.turn;
    if (!r.model.empty()) out << " model=" << r.model;
    out << " bytes=" << r.body.size() << '\n';
  }
  if (state_->requests.empty()) out << "(no requests)\n";
  return out.str();
}

}  // namespace bw::testing
