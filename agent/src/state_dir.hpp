// The agent's private state folder (keys, epoch counters, pairings, decision log).
//
// Guarantee: ensure_private_dir() returns success only for a directory that is owned by
// the current user and accessible by nobody else (mode 0700), creating it (and missing
// parents, with the same mode) if needed. The path must be absolute without '.' or '..'
// parts; the folder itself must not be a symlink (checked on the opened directory, so a
// trailing slash cannot smuggle one in); every existing parent must be owned by root or
// the user and not writable by others unless sticky (like /tmp), so nobody else can swap
// the folder out. A folder with looser permissions or another owner is refused, not
// silently fixed: something else has been there. (Later files are to be opened relative
// to the folder's descriptor; see issue 5.)
#pragma once

#include <string>

#include "bw/result.hpp"

namespace bw::agent {

enum StateDirError : int { kStateDirCreate = 301, kStateDirNotDir = 302, kStateDirExposed = 303, kStateDirOwner = 304 };

Status ensure_private_dir(const std::string& path);

// ~/.local/state/breakwater-agent, or $XDG_STATE_HOME/breakwater-agent.
std::string default_state_dir();

}  // namespace bw::agent
