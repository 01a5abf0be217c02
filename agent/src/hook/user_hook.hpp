// The approval hook in the user's own Claude Code settings (DESIGN §5), for Claude Code
// sessions the user starts in a terminal while breakwater-agent runs with agent.user_hook.
//
// install_user_hook() adds one PreToolUse entry for every tool ("*") whose command is
// `'<breakwater-agent>' hook --from-user-settings --socket '<path>' --secret-file '<path>'
// --deadline-ms N`, after removing any entry of ours left by an earlier run (a crash), and
// leaves everything else in the file as it was (other hooks, permissions, key order). A
// file that is not a JSON object is refused, never rewritten. remove_user_hook() takes out
// exactly our entries. Writes are atomic (temporary file, fsync, rename) and keep the
// file's mode; a missing file is created 0600.
#pragma once

#include <string>

#include "bw/result.hpp"

namespace bw::agent::hook {

inline constexpr const char* kUserHookMarker = " hook --from-user-settings ";

Status install_user_hook(const std::string& settings_path, const std::string& command, long timeout_s);
Status remove_user_hook(const std::string& settings_path);

// The command line the user's settings run (each path single-quoted for the shell).
std::string user_hook_command(const std::string& agent_binary, const std::string& socket_path,
                              const std::string& secret_file, long deadline_ms);

}  // namespace bw::agent::hook
