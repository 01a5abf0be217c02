// One run of a PreToolUse command hook as Claude Code makes it, timed from outside: the
// hook's command line goes to `/bin/sh -c` (Claude Code runs command hooks through a shell,
// and the agent's hook command ends in `|| exit 2`, which needs one), the tool call's JSON
// goes to its stdin, and the clock runs from just before the spawn until the child has
// exited and its stdout has been read to the end — the moment Claude Code could act on the
// decision. Nothing here knows about Breakwater beyond the shape of the decision JSON.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace bw::bench {

struct HookOutcome {
  bool ran = false;    // exited 0 and printed a PreToolUse decision
  bool allow = false;  // hookSpecificOutput.permissionDecision == "allow"
  std::string reason;  // permissionDecisionReason, or why the run failed when !ran
  std::chrono::steady_clock::duration elapsed{};
};

// Runs `command` with `input` on stdin and exactly `env` ("NAME=value") as its environment.
// A hook still running after `timeout` is killed (SIGKILL) and reported as not run.
HookOutcome run_hook(const std::string& command, const std::string& input, const std::vector<std::string>& env,
                     std::chrono::milliseconds timeout);

}  // namespace bw::bench
