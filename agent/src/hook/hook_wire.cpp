// The approval hook's formats; see hook_wire.hpp.
#include "hook_wire.hpp"

#include <nlohmann/json.hpp>

namespace bw::agent::hook {
namespace {

using nlohmann::json;

Error bad(std::string what) { return Error{1, std::move(what)}; }

std::optional<json> parse_object(std::string_view text) {
  auto j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

bool string_field(const json& j, const char* name, std::string& out, bool required = true) {
  auto it = j.find(name);
  if (it == j.end()) return !required;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

// dump() with replacement of invalid UTF-8 would change the input; strict dump throws on it.
std::optional<std::string> canonical(const json& j) {
  try {
    return j.dump();  // nlohmann objects are sorted by key: canonical
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

Result<HookCall> call_from(const json& j) {
  HookCall c;
  if (!string_field(j, "session_id", c.session_id) || c.session_id.empty()) return bad("session_id missing");
  if (!string_field(j, "tool_name", c.tool_name) || c.tool_name.empty()) return bad("tool_name missing");
  if (!string_field(j, "cwd", c.cwd) || c.cwd.empty()) return bad("cwd missing");
  if (!string_field(j, "tool_use_id", c.tool_use_id, false)) return bad("tool_use_id is not a string");
  if (!string_field(j, "permission_mode", c.permission_mode, false)) return bad("permission_mode is not a string");
  auto in = j.find("tool_input");
  if (in == j.end() || !in->is_object()) return bad("tool_input is not an object");
  auto text = canonical(*in);
  if (!text) return bad("tool_input is not valid UTF-8");
  c.tool_input = std::move(*text);
  return c;
}

json call_json(const HookCall& c) {
  return json{{"session_id", c.session_id},   {"tool_use_id", c.tool_use_id},
              {"tool_name", c.tool_name},     {"cwd", c.cwd},
              {"permission_mode", c.permission_mode},
              {"tool_input", json::parse(c.tool_input, nullptr, /*allow_exceptions=*/false)}};
}

}  // namespace

Result<HookCall> parse_hook_input(std::string_view text) {
  if (text.size() > kMaxInput) return bad("hook input too large");
  auto j = parse_object(text);
  if (!j) return bad("hook input is not a JSON object");
  std::string event;
  if (!string_field(*j, "hook_event_name", event) || event != "PreToolUse") return bad("not a PreToolUse event");
  return call_from(*j);
}

std::string encode_request(const HookCall& call, std::string_view secret) {
  return json{{"v", 1}, {"secret", secret}, {"call", call_json(call)}}.dump() + "\n";
}

Result<Request> parse_request(std::string_view line) {
  if (line.size() > kMaxLine) return bad("request too large");
  auto j = parse_object(line);
  if (!j) return bad("request is not a JSON object");
  auto v = j->find("v");
  if (v == j->end() || !v->is_number_integer() || v->get<int>() != 1) return bad("unsupported request version");
  Request r;
  if (!string_field(*j, "secret", r.secret) || r.secret.empty()) return bad("secret missing");
  auto call = j->find("call");
  if (call == j->end() || !call->is_object()) return bad("call missing");
  auto c = call_from(*call);
  if (!c) return c.error();
  r.call = std::move(c).value();
  return r;
}

std::string encode_answer(const Decision& d) {
  return json{{"v", 1}, {"decision", d.allow ? "allow" : "deny"}, {"reason", d.reason}}.dump(-1, ' ', false,
                                                                                               json::error_handler_t::replace) +
         "\n";
}

Result<Decision> parse_answer(std::string_view line) {
  if (line.size() > kMaxLine) return bad("answer too large");
  auto j = parse_object(line);
  if (!j) return bad("answer is not a JSON object");
  auto v = j->find("v");
  if (v == j->end() || !v->is_number_integer() || v->get<int>() != 1) return bad("unsupported answer version");
  std::string decision;
  Decision d;
  if (!string_field(*j, "decision", decision)) return bad("answer has no decision");
  if (decision == "allow") d.allow = true;
  else if (decision != "deny") return bad("answer's decision is neither allow nor deny");
  if (!string_field(*j, "reason", d.reason, false)) return bad("answer's reason is not a string");
  return d;
}

std::string claude_output(const Decision& d) {
  json out{{"hookSpecificOutput",
            {{"hookEventName", "PreToolUse"},
             {"permissionDecision", d.allow ? "allow" : "deny"},
             {"permissionDecisionReason", "Breakwater: " + d.reason}}}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace bw::agent::hook
