// `breakwater-agent hook`: the PreToolUse command hook that Claude Code runs for every tool
// call of a session the agent started (DESIGN §5; docs/security.md "Approval hook").
//
// It reads the call on stdin, asks the agent over its approval socket and prints one
// explicit decision for Claude Code — "allow" or "deny", never "ask" — then exits 0. It
// FAILS CLOSED: input too large or malformed, not started by the agent (no socket or
// secret in the environment), socket unreachable, no answer before the deadline, or a
// malformed answer — each prints a deny with the reason. If even that cannot be written it
// exits 2 (Claude Code blocks the call on exit 2). It answers before its deadline
// (BREAKWATER_HOOK_DEADLINE_MS, which the agent sets below the hook timeout it writes into
// the session's settings), because Claude Code treats a hook that times out as not blocking.
//
// Environment (set by the agent for the session's Claude Code, inherited by the hook):
//   BREAKWATER_HOOK_SOCKET       the approval socket's path
//   BREAKWATER_HOOK_SECRET       the session's secret (never printed or logged)
//   BREAKWATER_HOOK_DEADLINE_MS  answer within this many ms (default 110000; 100..3600000)
// From the user's own settings (user_hook.hpp) the same comes as arguments instead:
//   hook --from-user-settings --socket PATH --secret-file PATH --deadline-ms N
#pragma once

namespace bw::agent::hook {

int hook_command(int argc, char** argv);  // argv[0] is "hook"

}  // namespace bw::agent::hook
