// run_claude_code: the CLI through `env -i`, so the environment it sees is exactly the one
// claude_code_environment() lists.
#include "bw/testing/claude_code.hpp"

#include <unistd.h>

#include <cstdlib>

#include "bw/testing/errors.hpp"

namespace bw::testing {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

Result<std::filesystem::path> claude_code_binary() {
  std::string from = "BW_CLAUDE";
  std::string path = env_or_empty("BW_CLAUDE");
  if (path.empty()) {
    from = "BW_CLAUDE_DEFAULT";
    path = env_or_empty("BW_CLAUDE_DEFAULT");
  }
  if (path.empty()) {
    return harness_error(HarnessErrc::kNotFound,
                         "the Claude Code CLI is not configured: neither BW_CLAUDE nor BW_CLAUDE_DEFAULT is set "
                         "(run through ctest, or export BW_CLAUDE=$(scripts/claude-code.sh))");
  }
  if (::access(path.c_str(), X_OK) != 0) {
    return harness_error(HarnessErrc::kNotFound, "the Claude Code CLI is not installed: " + from + "=" + path +
                                                     " is not an executable file (install it with "
                                                     "scripts/claude-code.sh; scripts/test.sh does that)");
  }
  return std::filesystem::path(path);
}

std::vector<std::string> claude_code_environment(const ClaudeCodeRun& run) {
  std::vector<std::string> env = {
      "HOME=" + run.home.string(),
      "TMPDIR=" + (run.home / "tmp").string(),
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "SHELL=/bin/bash",
      "LANG=C.UTF-8",
      "ANTHROPIC_API_KEY=test",
      "ANTHROPIC_BASE_URL=" + run.base_url,
      "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
      "DISABLE_AUTOUPDATER=1",
  };
  env.insert(env.end(), run.env.begin(), run.env.end());
  return env;
}

std::string ClaudeCodeResult::describe() const {
  return "claude ended with " + status.describe() + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
}

Result<ClaudeCodeResult> run_claude_code(const ClaudeCodeRun& run) {
  auto claude = claude_code_binary();
  if (!claude) return claude.error();
  std::error_code ec;
  std::filesystem::create_directories(run.home / "tmp", ec);
  if (ec) return harness_error(HarnessErrc::kSystem, "cannot create " + (run.home / "tmp").string() + ": " + ec.message());
  ProcessSpec spec;
  spec.program = "/usr/bin/env";
  spec.args.push_back("-i");  // env's assignments (below) are then all the CLI gets
  for (auto& kv : claude_code_environment(run)) spec.args.push_back(std::move(kv));
  spec.args.push_back(claude->string());
  spec.args.insert(spec.args.end(), run.args.begin(), run.args.end());
  spec.working_dir = run.working_dir;
  spec.log_name = "claude";
  auto child = ChildProcess::spawn(std::move(spec));
  if (!child) return child.error();
  auto status = child->wait_exit(run.timeout);
  if (!status) {
    return harness_error(HarnessErrc::kTimeout, "claude did not finish within " + std::to_string(run.timeout.count()) +
                                                    " ms; output so far:\n" + child->output());
  }
  return ClaudeCodeResult{*status, read_text_file(child->stdout_path()), read_text_file(child->stderr_path())};
}

}  // namespace bw::testing
