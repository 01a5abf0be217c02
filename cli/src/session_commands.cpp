// breakwater sessions / start / prompt / attach: Claude Code sessions on a paired agent
// (docs/protocol.md §5.4–5.5), each over one Conversation (conversation.hpp).
//
// attach prints the session's output as plain lines (usable over SSH on a small terminal),
// sends each typed line as a prompt, and for each approval request shows the tool and its
// whole input (escaped) followed by "Allow? [y/N]": only "y" or "yes" allows; anything else,
// or end of input, denies. The answer is bound to the exact request (req_id and the SHA-256
// of its bytes). While attach runs it holds the pairing's one sending context, so `prompt`
// from another terminal waits its turn (it fails naming the lock).
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>

#include "auth_commands.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/sha256.hpp"
#include "conversation.hpp"
#include "terminal_text.hpp"

namespace bw::cli {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

int fail(const std::string& cmd, const std::string& msg, int code = 1) {
  std::cerr << "breakwater " << cmd << ": " << msg << "\n";
  return code;
}

bool wants_help(const std::vector<std::string>& args) {
  return !args.empty() && (args[0] == "--help" || args[0] == "-h");
}

// Waits for an EVENT whose "event" is one of `events` (or an error event): its JSON.
Result<json> await_event(Conversation& c, std::initializer_list<const char*> events, std::chrono::milliseconds t = 20s) {
  const auto until = std::chrono::steady_clock::now() + t;
  while (std::chrono::steady_clock::now() < until) {
    auto m = c.next(500ms);
    if (!m) return m.error();
    if (!*m || (*m)->kind != e2e::Kind::kEvent) continue;
    auto j = json::parse(to_string((*m)->body), nullptr, false);
    if (!j.is_object()) continue;
    const auto ev = j.value("event", "");
    if (ev == "error") return Error{1, "the agent refused: " + j.value("error", "?")};
    for (const char* want : events) {
      if (ev == want) return j;
    }
  }
  return Error{1, "no answer from the agent in time (is breakwater-agent run going?)"};
}

// One stream-json line of the session as one or more readable lines.
void render(const std::string& line) {
  auto j = json::parse(line, nullptr, false);
  if (!j.is_object()) return;
  const auto type = j.value("type", "");
  if (type == "system" && j.value("subtype", "") == "init") {
    std::cout << "· session ready (Claude Code " << printable(j.value("session_id", "?")) << ")\n";
  } else if (type == "assistant" && j.contains("message") && j["message"].contains("content")) {
    for (const auto& b : j["message"]["content"]) {
      if (!b.is_object()) continue;
      if (b.value("type", "") == "text") std::cout << printable(b.value("text", "")) << "\n";
      if (b.value("type", "") == "tool_use") {
        std::cout << "→ " << printable(b.value("name", "?")) << " " << printable(b.contains("input") ? b["input"].dump() : "")
                  << "\n";
      }
    }
  } else if (type == "user" && j.contains("message") && j["message"].contains("content") &&
             j["message"]["content"].is_array()) {
    for (const auto& b : j["message"]["content"]) {
      if (!b.is_object() || b.value("type", "") != "tool_result") continue;
      std::string text = b.contains("content") ? (b["content"].is_string() ? b["content"].get<std::string>() : b["content"].dump()) : "";
      if (text.size() > 400) text = text.substr(0, 400) + "…";
      std::cout << "← " << printable(text) << "\n";
    }
  } else if (type == "result") {
    std::cout << "· turn ended (" << printable(j.value("subtype", "?")) << ")\n";
  }
  std::cout.flush();
}

}  // namespace

int sessions_command(const CommandEnv& env, const std::vector<std::string>& args) {
  if (wants_help(args) || args.size() != 1) {
    std::cout << "Usage: breakwater sessions AGENT\n\nLists the Claude Code sessions on a paired agent device.\n";
    return wants_help(args) ? 0 : 2;
  }
  auto c = Conversation::open(env, args[0]);
  if (!c) return fail("sessions", c.error().message, c.error().code == 2 ? 2 : 1);
  if (auto st = (*c)->send(e2e::Kind::kControl, json{{"op", "list"}}.dump()); !st) return fail("sessions", st.error().message);
  auto j = await_event(**c, {"sessions"});
  if (!j) return fail("sessions", j.error().message);
  if ((*j)["sessions"].empty()) std::cout << "no sessions\n";
  for (const auto& s : (*j)["sessions"]) {
    std::cout << printable(s.value("session", "?")) << "  " << (s.value("running", false) ? "running" : "ended  ") << "  "
              << printable(s.value("folder", "?")) << "\n";
  }
  return 0;
}

int start_command(const CommandEnv& env, const std::vector<std::string>& args) {
  if (wants_help(args) || (args.size() != 2 && args.size() != 4)) {
    std::cout << "Usage: breakwater start AGENT FOLDER [--resume CLAUDE_SESSION_ID]\n\nStarts Claude Code in FOLDER on the "
                 "agent (a folder under its project roots) and prints the session id.\n";
    return wants_help(args) ? 0 : 2;
  }
  json control{{"op", "start"}, {"folder", args[1]}};
  if (args.size() == 4) {
    if (args[2] != "--resume") return fail("start", "unknown option " + args[2] + " (see --help)", 2);
    control["resume"] = args[3];
  }
  auto c = Conversation::open(env, args[0]);
  if (!c) return fail("start", c.error().message, c.error().code == 2 ? 2 : 1);
  if (auto st = (*c)->send(e2e::Kind::kControl, control.dump()); !st) return fail("start", st.error().message);
  auto j = await_event(**c, {"started"});
  if (!j) return fail("start", j.error().message);
  std::cout << printable(j->value("session", "?")) << "\n";
  return 0;
}

int prompt_command(const CommandEnv& env, const std::vector<std::string>& args) {
  if (wants_help(args) || args.size() != 3) {
    std::cout << "Usage: breakwater prompt AGENT SESSION TEXT\n\nSends TEXT to a running session (watch it with "
                 "breakwater attach).\n";
    return wants_help(args) ? 0 : 2;
  }
  auto c = Conversation::open(env, args[0]);
  if (!c) return fail("prompt", c.error().message, c.error().code == 2 ? 2 : 1);
  if (auto st = (*c)->send(e2e::Kind::kPrompt, json{{"session", args[1]}, {"text", args[2]}}.dump()); !st) {
    return fail("prompt", st.error().message);
  }
  // A refusal comes back quickly (relay error or the agent's error event); silence is success.
  auto j = await_event(**c, {"never"}, 1500ms);
  if (!j && j.error().message.rfind("no answer", 0) != 0) return fail("prompt", j.error().message);
  std::cout << "Sent.\n";
  return 0;
}

int attach_command(const CommandEnv& env, const std::vector<std::string>& args) {
  if (wants_help(args) || args.size() != 2) {
    std::cout << "Usage: breakwater attach AGENT SESSION\n\nShows the session's output. A line you type is sent to the "
                 "session as a prompt; when a tool call needs approval you are asked \"Allow? [y/N]\" and your next "
                 "line answers it (y or yes allows, anything else denies). Ends when the session ends or at end of "
                 "input (a pending question is then denied).\n";
    return wants_help(args) ? 0 : 2;
  }
  auto c = Conversation::open(env, args[0]);
  if (!c) return fail("attach", c.error().message, c.error().code == 2 ? 2 : 1);
  const std::string& session = args[1];
  // stdin on a thread of its own: lines queue here while messages keep arriving.
  struct Input {
    std::mutex mu;
    std::deque<std::string> lines;
    bool eof = false;
  };
  auto input = std::make_shared<Input>();
  std::thread([input] {
    for (std::string line; std::getline(std::cin, line);) {
      std::lock_guard lock(input->mu);
      input->lines.push_back(line);
    }
    std::lock_guard lock(input->mu);
    input->eof = true;
  }).detach();  // blocked in getline until the process ends
  std::deque<std::string> pending;  // approval requests (their exact bodies), oldest first
  bool asking = false;
  const auto ask_next = [&] {
    if (asking || pending.empty()) return;
    auto j = json::parse(pending.front(), nullptr, false);
    std::cout << "\n? " << printable(j.value("tool_name", "?")) << " wants to run with:\n  "
              << printable(j.contains("tool_input") ? j["tool_input"].dump(2) : "{}") << "\n  in "
              << printable(j.value("cwd", "?")) << "\nAllow? [y/N] " << std::flush;
    asking = true;
  };
  const auto answer = [&](bool allow) -> Status {
    const std::string body = pending.front();
    pending.pop_front();
    asking = false;
    auto j = json::parse(body, nullptr, false);
    auto id = crypto::hex_decode(j.value("req_id", ""));
    Bytes a(id->begin(), id->end());
    const auto h = crypto::sha256(as_bytes(body));
    a.insert(a.end(), h.begin(), h.end());
    a.push_back(allow ? 1 : 2);
    auto st = (*c)->send(e2e::Kind::kApprovalAnswer, ByteView(a));
    std::cout << (allow ? "allowed\n" : "denied\n") << std::flush;
    ask_next();
    return st;
  };
  std::cout << "attached to " << printable(session) << " (type a prompt and press Enter)\n" << std::flush;
  for (;;) {
    auto m = (*c)->next(200ms);
    if (!m) return fail("attach", m.error().message);
    if (*m) {
      const auto body = to_string((*m)->body);
      auto j = json::parse(body, nullptr, false);
      if (j.is_object() && j.value("session", "") == session) {
        if ((*m)->kind == e2e::Kind::kOutput) {
          render(j.value("stream", ""));
        } else if ((*m)->kind == e2e::Kind::kEvent && j.value("event", "") == "exited") {
          std::cout << "· session ended (status " << j.value("status", -1) << ")\n";
          return 0;
        } else if ((*m)->kind == e2e::Kind::kEvent && j.value("event", "") == "output_too_large") {
          std::cout << "! one output line (" << j.value("bytes", std::int64_t{0}) << " bytes) was too large to send\n";
        } else if ((*m)->kind == e2e::Kind::kEvent && j.value("event", "") == "unreadable_output") {
          std::cout << "! Claude Code printed a line that is not stream-json\n";
        } else if ((*m)->kind == e2e::Kind::kApprovalRequest) {
          auto id = crypto::hex_decode(j.value("req_id", ""));
          if (id && id->size() == 16) pending.push_back(body);
          ask_next();
        }
      } else if (j.is_object() && (*m)->kind == e2e::Kind::kEvent && j.value("event", "") == "error") {
        std::cout << "! the agent refused: " << printable(j.value("error", "?")) << "\n" << std::flush;
      }
    }
    std::deque<std::string> lines;
    bool eof = false;
    {
      std::lock_guard lock(input->mu);
      lines.swap(input->lines);
      eof = input->eof;
    }
    for (const auto& line : lines) {
      if (asking) {
        if (auto st = answer(line == "y" || line == "Y" || line == "yes"); !st) return fail("attach", st.error().message);
      } else if (!line.empty()) {
        auto st = (*c)->send(e2e::Kind::kPrompt, json{{"session", session}, {"text", line}}.dump());
        if (!st) return fail("attach", st.error().message);
      }
    }
    if (eof && lines.empty()) {
      while (asking) {
        if (auto st = answer(false); !st) return fail("attach", st.error().message);
      }
      return 0;
    }
  }
}

}  // namespace bw::cli
