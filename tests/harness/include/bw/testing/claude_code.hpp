// The real Claude Code CLI in tests, against a ScriptedModelServer.
//
// Where the CLI is: $BW_CLAUDE when set (scripts/test.sh exports what scripts/claude-code.sh
// installed), else $BW_CLAUDE_DEFAULT, which bw_add_test sets to the pinned version's place
// in the user's cache (cmake/Testing.cmake reads the version from scripts/claude-code.sh).
// A missing CLI is an error for the test to fail on, never a skip.
//
// How a run is set up (run_claude_code): the CLI gets a clean environment — nothing of the
// test's own (no ASAN_OPTIONS, no developer ANTHROPIC_* or CLAUDE_* variables) — holding only
//   HOME=<run.home>  TMPDIR=<run.home>/tmp  PATH=/usr/local/bin:/usr/bin:/bin  SHELL=/bin/bash
//   LANG=C.UTF-8
//   ANTHROPIC_API_KEY=test  ANTHROPIC_BASE_URL=<run.base_url>
//   CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1  DISABLE_AUTOUPDATER=1
// plus run.env; it runs in run.working_dir with stdin at /dev/null, in its own process group
// (ChildProcess), and is killed if it outlives run.timeout. TMPDIR matters: the CLI keeps
// per-project task folders (<TMPDIR>/claude-<uid>/…) and its messaging socket
// (<TMPDIR>/cc-socks/) there, and would otherwise leave them in /tmp.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "bw/testing/child_process.hpp"

namespace bw::testing {

// The `claude` executable. Error kNotFound naming the variable, the path tried and the
// command that installs it.
Result<std::filesystem::path> claude_code_binary();

struct ClaudeCodeRun {
  std::filesystem::path home;         // HOME (a scratch folder: ~/.claude, ~/.claude.json and TMPDIR go there)
  std::filesystem::path working_dir;  // the project folder the session works in
  std::string base_url;               // ScriptedModelServer::base_url()
  std::vector<std::string> args;      // e.g. {"-p", "hi", "--output-format", "stream-json", "--verbose"}
  std::vector<std::string> env;       // extra "KEY=VALUE" entries (they may override the defaults)
  std::chrono::milliseconds timeout{30'000};
};

struct ClaudeCodeResult {
  ExitStatus status;
  std::string out;  // stdout
  std::string err;  // stderr
  std::string describe() const;  // status, stdout and stderr, for failure messages
};

// The environment described above, as "KEY=VALUE" entries.
std::vector<std::string> claude_code_environment(const ClaudeCodeRun& run);

// Runs the CLI to completion. Errors: claude_code_binary()'s, ChildProcess::spawn's, kTimeout
// (the message holds the output so far). A non-zero exit is a result, not an error.
Result<ClaudeCodeResult> run_claude_code(const ClaudeCodeRun& run);

}  // namespace bw::testing
