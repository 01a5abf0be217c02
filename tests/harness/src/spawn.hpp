// Internal: the fork/exec step of ChildProcess, kept apart from the lifecycle code.
// Everything the child needs is prepared before fork(), so the child only makes
// async-signal-safe calls between fork() and exec().
#pragma once

#include <sys/types.h>

#include <filesystem>

#include "bw/result.hpp"
#include "bw/testing/child_process.hpp"

namespace bw::testing::detail {

// Starts spec.program with stdout/stderr appended to <log_dir>/<log_name>.{stdout,stderr}.
// Returns the child's pid once exec has succeeded (an exec failure is reported as
// kStartFailed with the failing step and errno, and the child is reaped).
Result<pid_t> spawn_process(const ProcessSpec& spec, const std::filesystem::path& log_dir);

}  // namespace bw::testing::detail
