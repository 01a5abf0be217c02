// The agent's Claude Code sessions (issue 6): start (in a folder under the project roots),
// list, prompt, interrupt, stop, resume — and the approval path for every tool call their
// Claude Code makes (DESIGN §5):
//   hook → approval socket → the user's own rules (approval_policy.hpp): allow / deny
//   → otherwise an APPROVAL_REQUEST to every paired client (approval_broker.hpp), the first
//     valid answer decides, no answer within the approval timeout denies;
// every decision is appended to the hash-chained decision log before the hook hears it.
// Output goes to every paired client: OUTPUT {"session","stream": <one stream-json line>};
// lifecycle as EVENT {"session","event": started|exited|unreadable_output, …}.
// The agent offers nothing else: no shell, file or exec endpoint — only these sessions.
// Bounds: at most settings.max_sessions running at once (a start beyond is refused with a
// reason); ended sessions stay listed (with their exit status and Claude Code id, for
// resume) up to kKeptEnded, the oldest forgotten first; a session's settings file is
// removed when it ends, and any left by a crash when the manager opens.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bw/e2e/protocol.hpp"
#include "bw/result.hpp"
#include "hook/approval_broker.hpp"
#include "session/session_plan.hpp"

namespace bw::agent::hook {
class ApprovalSocket;
}

namespace bw::agent::session {

class ClaudeProcess;
class DecisionLog;

struct SessionInfo {
  std::string id;         // the agent's session id (16 random bytes, hex)
  std::string folder;     // canonical project folder
  std::string claude_id;  // Claude Code's session_id (for resume), once known
  bool running = false;
  int exit_status = -1;
};

class SessionManager {
 public:
  static constexpr std::size_t kKeptEnded = 32;

  // Sends one message of `kind` with `body` to every paired client.
  using Broadcast = std::function<void(e2e::Kind kind, const std::string& body)>;

  // Opens the approval socket (<state_dir>/approvals.sock) and the decision log
  // (<state_dir>/decisions.jsonl). Errors: either cannot be opened.
  static Result<std::unique_ptr<SessionManager>> open(SessionSettings settings, std::string state_dir,
                                                      std::string home, Broadcast broadcast);
  ~SessionManager();  // stops every session

  // Sessions the user starts in a terminal (agent.user_hook): installs the approval hook in
  // `user_settings` (~/.claude/settings.json) with a secret file in the state folder; the
  // destructor removes both. Their calls are judged like the agent's own sessions, with the
  // call's cwd as the project. Errors: the settings file could not be updated.
  Status enable_user_hook(const std::string& user_settings);

  Result<SessionInfo> start(const std::string& folder, const std::optional<std::string>& resume_claude_id);
  Status prompt(const std::string& id, const std::string& text);
  Status interrupt(const std::string& id);
  // Asks the session to end and returns at once; the "exited" EVENT follows when it has.
  Status stop(const std::string& id);
  std::vector<SessionInfo> list() const;

  // An APPROVAL_ANSWER the Inbox accepted, from a client whose effective role is `role`.
  hook::AnswerOutcome answer(ByteView body, e2e::Role role, const std::string& who, std::int64_t now_ms);

  struct Stats {
    std::uint64_t by_rule_allow = 0, by_rule_deny = 0, asked = 0, client_allow = 0, client_deny = 0, timeouts = 0,
                  shared = 0;  // hook calls answered with another hook's decision on the same call
  };
  Stats stats() const;

 private:
  SessionManager() = default;
  struct Session;
  struct Shared;
  // One decision per tool call: a second hook asking about the same call of the same session
  // (the user-settings hook beside the session's own, agent.user_hook) waits for the first
  // one's decision instead of asking the phones again (decided() within the last 30 s too).
  hook::Decision on_hook(const std::string& session_id, const hook::HookCall& call);
  hook::Decision decide(const std::string& session_id, const hook::HookCall& call);

  SessionSettings settings_;
  std::string state_dir_, home_;
  Broadcast broadcast_;
  hook::ApprovalBroker broker_;
  std::unique_ptr<DecisionLog> log_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
  std::uint64_t started_ = 0;  // sequence of starts, to forget the oldest ended session first
  Stats stats_;
  std::mutex shared_mu_;
  std::condition_variable shared_cv_;
  std::map<std::string, std::shared_ptr<Shared>> shared_;  // by session, tool_use_id, tool, input hash
  std::string user_settings_;  // where the user hook was installed ("" = not)
  std::unique_ptr<hook::ApprovalSocket> socket_;  // last: destroyed first
};

}  // namespace bw::agent::session
