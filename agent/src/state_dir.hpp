// The agent's private state folder (keys, epoch counters, pairings, decision log).
//
// Guarantee: ensure_private_dir() returns success only for a directory that is owned by
// the current user and accessible by nobody else (mode 0700), creating it (and missing
// parents, with the same mode) if needed. A directory that exists with looser permissions
// or another owner is refused, not silently fixed: something else has been there.
#pragma once

#include <string>

#include "bw/result.hpp"

namespace bw::agent {

enum StateDirError : int { kStateDirCreate = 301, kStateDirNotDir = 302, kStateDirExposed = 303, kStateDirOwner = 304 };

Status ensure_private_dir(const std::string& path);

// ~/.local/state/breakwater-agent, or $XDG_STATE_HOME/breakwater-agent.
std::string default_state_dir();

}  // namespace bw::agent
