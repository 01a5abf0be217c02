// How a Claude Code session is started (DESIGN §5; docs/security.md "Claude Code sessions"),
// as a pure plan that the tests check flag by flag:
//  - the folder must resolve (symlinks followed, realpath) to a directory inside one of the
//    configured project roots (also resolved); anything else is refused;
//  - argv: <claude> -p --input-format stream-json --output-format stream-json --verbose
//    --settings <agent-owned settings file> --setting-sources user (plus project,local only
//    for a project the user marked trusted) [--resume <claude session id>]. Never
//    --dangerously-skip-permissions, never a bypass permission mode;
//  - the agent-owned settings file holds only the PreToolUse hook: every tool ("*") runs
//    `'<breakwater-agent>' hook || exit 2` with a timeout (approval timeout + 30 s) longer
//    than the hook's own deadline (approval timeout + 10 s), so Claude Code never times the
//    hook out. `|| exit 2`: Claude Code treats any exit but 0 and 2 as "not blocking", so a
//    hook that cannot start (binary replaced or missing: 126/127) or dies by a signal must
//    still block the call;
//  - the environment is built from nothing: HOME, USER, LOGNAME, PATH, SHELL, LANG, LC_ALL,
//    TERM, TZ and TMPDIR when the agent has them, the names listed in
//    agent.claude_env_passthrough (never one starting with BREAKWATER_), ANTHROPIC_API_KEY
//    only with agent.api_billing, and the hook's three variables. The agent's device token,
//    keys and configuration never reach the child.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bw/result.hpp"

namespace bw::agent::session {

struct SessionSettings {
  std::string claude_path = "claude";
  std::vector<std::string> project_roots;     // as configured (resolved when used)
  std::vector<std::string> trusted_projects;  // as configured (resolved when used)
  std::chrono::seconds approval_timeout{120};
  bool api_billing = false;
  std::vector<std::string> env_passthrough;  // extra variable names to pass (e.g. ANTHROPIC_BASE_URL)
  std::string agent_binary;                  // breakwater-agent, for the hook command
  bool user_hook = false;                    // also hook the user's own sessions (user_hook.hpp)
  int max_sessions = 8;                      // running at once; a start beyond is refused
};

// The canonical folder if it is a directory inside a project root. Errors say which rule.
Result<std::string> resolve_project(const SessionSettings& s, const std::string& folder);
// Whether the (canonical) project is one the user marked trusted.
bool is_trusted(const SessionSettings& s, const std::string& project);

struct HookWiring {
  std::string socket_path, secret;
};

struct SpawnPlan {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // NAME=value
  std::string cwd;
  std::string settings_json;  // to write (0600) at settings_path before spawning
};

std::chrono::milliseconds hook_deadline(const SessionSettings& s);

SpawnPlan plan_session(const SessionSettings& s, const std::string& project, bool trusted,
                       const std::string& settings_path, const HookWiring& hook,
                       const std::optional<std::string>& resume_id,
                       const std::map<std::string, std::string>& agent_env);

}  // namespace bw::agent::session
