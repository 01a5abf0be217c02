// The approval hook's three small formats (DESIGN §5, docs/protocol.md §6), pure and
// I/O-free so that they can be fuzzed:
//  1. what Claude Code writes on the hook's stdin for a PreToolUse event — parsed strictly
//     into a HookCall (an object; hook_event_name exactly "PreToolUse"; session_id,
//     tool_name, cwd strings; tool_input an object; tool_use_id a string when present);
//  2. one request line the hook sends to the agent's Unix socket, and the agent's one
//     answer line (newline-terminated JSON, at most kMaxLine bytes each);
//  3. the decision the hook prints for Claude Code: always an explicit "allow" or "deny"
//     (never "ask": the hook never defers to Claude Code's own rules).
// tool_input is carried as canonical JSON (keys sorted, no spaces; JSON.parse semantics for
// repeated keys: the last wins, as in Claude Code itself), so what the agent hashes and
// shows is exactly what the tool receives.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "bw/result.hpp"

namespace bw::agent::hook {

inline constexpr std::size_t kMaxInput = 1024 * 1024;    // hook stdin
inline constexpr std::size_t kMaxLine = 1024 * 1024 + 4096;  // one socket line

struct HookCall {
  std::string session_id, tool_use_id, tool_name, cwd, permission_mode;
  std::string tool_input;  // canonical JSON object
};

struct Decision {
  bool allow = false;
  std::string reason;  // shown to the model and the user; never a secret
};

// Errors: a fixed reason naming the first problem ("hook input is not a JSON object", …).
Result<HookCall> parse_hook_input(std::string_view text);

// {"v":1,"secret":…,"call":{…}}\n
std::string encode_request(const HookCall& call, std::string_view secret);
struct Request {
  std::string secret;
  HookCall call;
};
Result<Request> parse_request(std::string_view line);

// {"v":1,"decision":"allow"|"deny","reason":…}\n
std::string encode_answer(const Decision& d);
// Anything but exactly that shape is an error (the hook then denies).
Result<Decision> parse_answer(std::string_view line);

// The JSON Claude Code reads from a PreToolUse hook's stdout (one line).
std::string claude_output(const Decision& d);

}  // namespace bw::agent::hook
