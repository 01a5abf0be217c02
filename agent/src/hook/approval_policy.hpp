// What the agent decides by itself for one tool call of one of its sessions, before any
// phone is asked (DESIGN §5): the user's permission rules evaluated by libs/claudeperm in
// the agent — which knows the session's project and whether the user trusts it — never in
// the hook, whose environment the session could influence.
//
// Guarantees:
//  - Settings files are read afresh for every call, in precedence order: managed
//    (/etc/claude-code/managed-settings.json unless told otherwise), the user's
//    ~/.claude/settings.json, the project's .claude/settings.json and settings.local.json,
//    and the agent's own settings file. Project and local allow rules count only when the
//    project is marked trusted (libs/claudeperm).
//  - Symlinks: the call is evaluated twice, as written and with its cwd and tool paths
//    resolved through the file system (weakly_canonical); it is denied if either denies,
//    allowed only if both allow, otherwise the phones are asked. So a link inside the
//    project can neither hide a write to .claude/ or .git/ nor lead a "read inside the
//    workspace" out of it.
//  - Reads inside the workspace (cwd, project, additionalDirectories) need no phone, as in
//    Claude Code's own default — on both readings.
//  - Anything else (no rule, an ask rule, a built-in always-ask path, a malformed file,
//    an unresolvable path) goes to the phones.
#pragma once

#include <string>

#include "hook/hook_wire.hpp"

namespace bw::agent::hook {

struct SessionContext {
  std::string project_dir;          // absolute and canonical (the session's folder)
  std::string home;                 // the user's home (for ~/.claude)
  std::string agent_state_dir;      // the agent's private folder (always asks)
  std::string agent_settings_file;  // the agent-owned settings the session runs with ("" = none)
  std::string managed_settings_file = "/etc/claude-code/managed-settings.json";
  bool project_trusted = false;
};

enum class Route { kAllow, kDeny, kAskClients };

struct LocalDecision {
  Route route = Route::kAskClients;
  std::string rule;    // the deciding rule as written, for the decision log ("" if none)
  std::string file;    // the settings file it came from
  std::string reason;  // one line; never the tool input
};

LocalDecision decide_locally(const SessionContext& session, const HookCall& call);

}  // namespace bw::agent::hook
