// ChildProcess: a program started by a test, which never outlives the test.
//
// Guarantees:
// - The child runs in its own process group; every signal the harness sends goes to the
//   whole group, so helpers the program forks are stopped with it.
// - The child gets PR_SET_PDEATHSIG(SIGKILL) (set after any change of user, which would
//   clear it): if the test binary dies — crash, abort, SIGKILL — the kernel kills the child.
//   The signal follows the *thread* that spawned the child: spawn from a thread that lives
//   as long as the child (the test's main thread does).
// - The destructor always ends the group (SIGTERM, a grace period, then SIGKILL) and reaps
//   the child, also when a test fails half-way through an ASSERT.
// - When the leader is seen to exit, the rest of its group is SIGKILLed before it is reaped.
// - stdout and stderr go to files the test can read (stdin is /dev/null).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "bw/testing/temp_dir.hpp"

namespace bw::testing {

struct ProcessSpec {
  std::string program;                 // a path, or a name looked up in $PATH
  std::vector<std::string> args;       // argv[1..]; argv[0] is the program
  std::vector<std::string> env;        // "KEY=VALUE" entries added to (or overriding) ours
  std::filesystem::path working_dir;   // empty: the test's working folder
  std::string run_as_user;             // empty: this user; else setgid/setuid to it (root only)
  std::filesystem::path log_dir;       // empty: a fresh TempDir owned by the ChildProcess
  std::string log_name = "process";    // logs are <log_dir>/<log_name>.{stdout,stderr}, appended
  int stop_signal = SIGTERM;                   // what the destructor sends first
  std::chrono::milliseconds kill_grace{2000};  // destructor: stop_signal → this → SIGKILL
};

// How a process ended: exited with a code, or was killed by a signal.
struct ExitStatus {
  int code = -1;   // exit code when exited normally, else -1
  int signal = 0;  // terminating signal, else 0
  bool exited() const { return signal == 0; }
  std::string describe() const;  // "exit 0", "signal 9 (Killed)"
};

class ChildProcess {
 public:
  // Forks and execs spec.program. Error kNotFound when the program or user does not exist,
  // kSystem when a system call fails, kStartFailed when exec itself fails.
  static Result<ChildProcess> spawn(ProcessSpec spec);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // terminate(stop_signal, kill_grace) if still running; never throws

  pid_t pid() const { return pid_; }

  // True while the child has not exited. Reaps it (and kills its group) once it has.
  bool alive();

  // Waits up to timeout for the child to exit on its own. Error kTimeout if it does not.
  Result<ExitStatus> wait_exit(std::chrono::milliseconds timeout);

  // Sends sig (plus SIGCONT, so a stopped group can act on it) to the group and waits up to
  // timeout; if the child is still running then, SIGKILLs the group. Returns how it ended
  // (signal 9 tells the caller the escalation was needed). Never fails once spawned.
  ExitStatus terminate(int sig, std::chrono::milliseconds timeout);

  // Sends sig to the whole group without waiting (e.g. SIGSTOP / SIGCONT).
  // Error kSystem if the child is already reaped or killpg fails.
  Status signal_group(int sig);

  // Waits until `text` appears in the child's stdout or stderr (e.g. "listening on").
  // Errors: kStartFailed if the child exits first, kTimeout; both carry the output so far.
  Status wait_for_output(const std::string& text, std::chrono::milliseconds timeout);

  // The exit status once the child has been reaped.
  std::optional<ExitStatus> exit_status() const { return status_; }

  std::filesystem::path stdout_path() const;
  std::filesystem::path stderr_path() const;
  std::string output() const;  // stdout then stderr, for error messages

 private:
  ChildProcess() = default;
  bool reap_if_exited();  // true once reaped
  void release();

  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
  std::optional<TempDir> own_log_dir_;
  std::filesystem::path log_dir_;
  std::string log_name_;
  int stop_signal_ = SIGTERM;
  std::chrono::milliseconds kill_grace_{2000};
};

// Runs a program to completion and returns its stdout. Errors: as spawn(); kTimeout if it
// runs longer than timeout (it is then killed); kStartFailed if it exits with a non-zero code
// or a signal (the message holds its output).
Result<std::string> run_to_exit(ProcessSpec spec, std::chrono::milliseconds timeout);

}  // namespace bw::testing
