// ChildProcess lifecycle: waiting, signalling the group, reaping.
//
// The leader's exit is observed with waitid(WNOWAIT) first, so its pid — and with it the
// process-group id — stays reserved while the rest of the group is SIGKILLed; only then is
// the leader reaped. Nothing can reuse the pid while we still signal the group.
#include "bw/testing/child_process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "bw/testing/errors.hpp"
#include "spawn.hpp"

namespace bw::testing {
namespace {

ExitStatus decode(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) {
    s.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
  }
  return s;
}

ExitStatus blocking_reap(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  return r == pid ? decode(status) : ExitStatus{};
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited()) return "exit " + std::to_string(code);
  return "signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
}

Result<ChildProcess> ChildProcess::spawn(ProcessSpec spec) {
  ChildProcess child;
  child.log_dir_ = spec.log_dir;
  if (child.log_dir_.empty()) {
    auto dir = TempDir::create("bw-proc-");
    if (!dir) return dir.error();
    child.log_dir_ = dir->path();
    child.own_log_dir_.emplace(std::move(dir).value());
  }
  child.log_name_ = spec.log_name;
  child.stop_signal_ = spec.stop_signal;
  child.kill_grace_ = spec.kill_grace;
  auto pid = detail::spawn_process(spec, child.log_dir_);
  if (!pid) return pid.error();
  child.pid_ = *pid;
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept { *this = std::move(other); }

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
    own_log_dir_ = std::exchange(other.own_log_dir_, std::nullopt);
    log_dir_ = std::move(other.log_dir_);
    log_name_ = std::move(other.log_name_);
    stop_signal_ = other.stop_signal_;
    kill_grace_ = other.kill_grace_;
  }
  return *this;
}

ChildProcess::~ChildProcess() { release(); }

void ChildProcess::release() {
  if (pid_ > 0 && !status_) terminate(stop_signal_, kill_grace_);
  pid_ = -1;
}

bool ChildProcess::reap_if_exited() {
  if (status_) return true;
  if (pid_ <= 0) return false;
  siginfo_t info{};
  int r;
  do {
    r = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (r < 0 && errno == EINTR);
  if (r == 0 && info.si_pid == 0) return false;  // still running
  ::killpg(pid_, SIGKILL);  // whatever the leader left behind in its group
  status_ = blocking_reap(pid_);
  return true;
}

bool ChildProcess::alive() { return pid_ > 0 && !reap_if_exited(); }

Result<ExitStatus> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto step = std::chrono::milliseconds(1);
  while (!reap_if_exited()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return harness_error(HarnessErrc::kTimeout, "pid " + std::to_string(pid_) +
                                                      " still running after " +
                                                      std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(step);
    step = std::min(step * 2, std::chrono::milliseconds(20));
  }
  return *status_;
}

ExitStatus ChildProcess::terminate(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return status_.value_or(ExitStatus{});
  if (reap_if_exited()) return *status_;
  ::killpg(pid_, sig);
  if (sig != SIGKILL && sig != SIGCONT) ::killpg(pid_, SIGCONT);
  auto done = wait_exit(timeout);
  if (done) return *done;
  ::killpg(pid_, SIGKILL);
  status_ = blocking_reap(pid_);
  return *status_;
}

Status ChildProcess::wait_for_output(const std::string& text,
                                     std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool exited = !alive();  // before reading: output written before the exit is seen
    std::string out = output();
    if (out.find(text) != std::string::npos) return {};
    if (exited) {
      return harness_error(HarnessErrc::kStartFailed, "pid " + std::to_string(pid_) +
                                                          " ended without printing \"" + text +
                                                          "\"; output:\n" + out);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return harness_error(HarnessErrc::kTimeout, "pid " + std::to_string(pid_) +
                                                      " did not print \"" + text + "\" in " +
                                                      std::to_string(timeout.count()) +
                                                      " ms; output:\n" + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status ChildProcess::signal_group(int sig) {
  if (pid_ <= 0 || status_) {
    return harness_error(HarnessErrc::kSystem, "process already reaped");
  }
  if (::killpg(pid_, sig) != 0) return system_error("killpg");
  return {};
}

Result<std::string> run_to_exit(ProcessSpec spec, std::chrono::milliseconds timeout) {
  std::string program = spec.program;
  auto child = ChildProcess::spawn(std::move(spec));
  if (!child) return child.error();
  auto status = child->wait_exit(timeout);
  if (!status) {
    return harness_error(HarnessErrc::kTimeout, program + ": " + status.error().message +
                                                    "; output:\n" + child->output());
  }
  if (!status->exited() || status->code != 0) {
    return harness_error(HarnessErrc::kStartFailed, program + " ended with " +
                                                        status->describe() + "; output:\n" +
                                                        child->output());
  }
  return read_text_file(child->stdout_path());
}

std::filesystem::path ChildProcess::stdout_path() const {
  return log_dir_ / (log_name_ + ".stdout");
}

std::filesystem::path ChildProcess::stderr_path() const {
  return log_dir_ / (log_name_ + ".stderr");
}

std::string ChildProcess::output() const {
  return read_text_file(stdout_path()) + read_text_file(stderr_path());
}

}  // namespace bw::testing
