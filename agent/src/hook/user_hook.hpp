// The approval hook in the user's own Claude Code settings (DESIGN §5), for Claude Code
// sessions the user starts in a terminal while breakwater-agent runs with agent.user_hook.
//
// install_user_hook() adds one PreToolUse entry for every tool ("*") whose command is
// `'<breakwater-agent>' hook --from-user-settings --socket '<path>' --secret-file '<path>'
// --deadline-ms N`, after removing any entry of ours left by an earlier run (a crash), and
// leaves everything else in the file as it was (other hooks, permissions, key order). A
// file that is not a JSON object is refused, never rewritten. remove_user_hook() takes out
// exactly our entries. Writes are atomic (a new private temporary file beside it, created
// exclusively; fsync; rename) and keep the file's mode; a missing file is created 0600. A
// settings file that is a symbolic link (dotfiles) stays one: the file it points to is
// updated. A write by another program between our read and our rename is not undone: the
// file is read again and the change made afresh (up to 5 times, then left as it is, with
// an error) — only a write landing in the instant between that check and the rename can
// still be lost.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "bw/result.hpp"

namespace bw::agent::hook {

inline constexpr const char* kUserHookMarker = " hook --from-user-settings ";

Status install_user_hook(const std::string& settings_path, const std::string& command, long timeout_s);
Status remove_user_hook(const std::string& settings_path);

// The command line the user's settings run (each path single-quoted for the shell).
namespace detail {
// The read–change–write cycle above; `change` returns whether it changed anything. For
// tests: `before_rename` runs after the new text is written and before the check.
Status update_settings(const std::string& settings_path,
                       const std::function<Result<bool>(nlohmann::ordered_json&)>& change,
                       const std::function<void()>& before_rename = {});
}  // namespace detail

std::string user_hook_command(const std::string& agent_binary, const std::string& socket_path,
                              const std::string& secret_file, long deadline_ms);

}  // namespace bw::agent::hook
