// One timed run of a command hook; see hook_runner.hpp.
#include "hook_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

namespace bw::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// Writes all of `text` (small: it fits in the pipe, so this never waits for the reader). A
// hook that exits without reading its stdin is not an error here (SIGPIPE is ignored by the
// benchmark; EPIPE ends the write).
void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// Reads `fd` to its end; false if `deadline` passed first.
bool read_all(int fd, std::string& out, Clock::time_point deadline) {
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

void parse_decision(const std::string& out, HookOutcome& o) {
  const auto j = nlohmann::json::parse(out, nullptr, false);
  if (!j.is_object() || !j.contains("hookSpecificOutput") || !j["hookSpecificOutput"].is_object()) {
    o.reason = "the hook printed no PreToolUse decision: " + out.substr(0, 200);
    return;
  }
  const auto& h = j["hookSpecificOutput"];
  const std::string decision = h.value("permissionDecision", "");
  o.reason = h.value("permissionDecisionReason", "");
  if (decision != "allow" && decision != "deny") {
    o.reason = "the hook's decision is neither allow nor deny: " + decision;
    return;
  }
  o.ran = true;
  o.allow = decision == "allow";
}

}  // namespace

HookOutcome run_hook(const std::string& command, const std::string& input, const std::vector<std::string>& env,
                     std::chrono::milliseconds timeout) {
  HookOutcome o;
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return o.reason = "pipe failed", o;
  Fd in_r{in[0]}, in_w{in[1]};
  if (::pipe2(out, O_CLOEXEC) != 0) return o.reason = "pipe failed", o;
  Fd out_r{out[0]}, out_w{out[1]};
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_r.fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out_w.fd, STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);

  const auto started = Clock::now();
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, "/bin/sh", &fa, nullptr, const_cast<char* const*>(argv), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return o.reason = "cannot start /bin/sh", o;
  in_r.reset();
  out_w.reset();
  write_all(in_w.fd, input);
  in_w.reset();
  std::string text;
  const bool complete = read_all(out_r.fd, text, started + timeout);
  if (!complete) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  o.elapsed = Clock::now() - started;
  if (!complete) return o.reason = "the hook did not finish within the timeout", o;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return o.reason = "the hook exited with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1), o;
  }
  parse_decision(text, o);
  return o;
}

}  // namespace bw::bench
