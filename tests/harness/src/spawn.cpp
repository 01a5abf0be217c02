// fork/exec for ChildProcess.
//
// The parent resolves the program, the user, the log files, argv and envp before fork();
// the child then only calls async-signal-safe functions: setpgid, dup2, close_range/fcntl,
// sigaction, setgroups/setgid/setuid, prctl, chdir, execve, write, _exit. An exec failure
// is sent back over a close-on-exec pipe, so spawn_process() knows whether exec succeeded.
#include "spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bw/testing/errors.hpp"

extern char** environ;

namespace bw::testing::detail {
namespace {

struct User {
  bool change = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

// Steps the child reports when exec fails.
enum ChildStep : int { kStepSetpgid = 1, kStepDup, kStepUser, kStepPdeath, kStepChdir, kStepExec };

const char* step_name(int step) {
  switch (step) {
    case kStepSetpgid: return "setpgid";
    case kStepDup: return "dup2";
    case kStepUser: return "setgid/setuid";
    case kStepPdeath: return "prctl(PR_SET_PDEATHSIG)";
    case kStepChdir: return "chdir";
    default: return "execve";
  }
}

Result<std::string> resolve_program(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) == 0) return program;
    return harness_error(HarnessErrc::kNotFound, "not executable: " + program);
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return harness_error(HarnessErrc::kNotFound, "program not found in PATH: " + program);
}

Result<User> resolve_user(const std::string& name) {
  User user;
  if (name.empty()) return user;
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return harness_error(HarnessErrc::kNotFound, "no such user: " + name);
  }
  user.uid = pw.pw_uid;
  user.gid = pw.pw_gid;
  user.home = pw.pw_dir != nullptr ? pw.pw_dir : "/";
  if (user.uid == ::geteuid()) return user;  // already that user: nothing to change
  if (::geteuid() != 0) {
    return harness_error(HarnessErrc::kSystem, "running as " + name + " needs root");
  }
  user.change = true;
  return user;
}

// Our environment, with spec.env entries (and the target user's HOME/USER) overriding; when
// spec.env names a key twice, the later entry wins.
std::vector<std::string> build_env(const ProcessSpec& spec, const User& user) {
  std::vector<std::string> overrides = spec.env;
  if (user.change) {
    overrides.insert(overrides.begin(), {"HOME=" + user.home, "USER=" + spec.run_as_user,
                                         "LOGNAME=" + spec.run_as_user});
  }
  auto key_of = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv = *e;
    bool overridden = false;
    for (const auto& o : overrides) overridden = overridden || key_of(o) == key_of(kv);
    if (!overridden) env.push_back(std::move(kv));
  }
  // Among the overrides themselves the last entry for a key wins, as with setenv().
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
    bool later = false;
    for (auto jt = overrides.rbegin(); jt != it; ++jt) later = later || key_of(*jt) == key_of(*it);
    if (!later) env.push_back(*it);
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct ChildSetup {
  int in_fd, out_fd, err_fd, report_fd;
  pid_t parent;
  const User* user;
  const char* working_dir;  // nullptr: keep
  const char* path;
  char** argv;
  char** envp;
  int max_fd;  // fallback bound for marking descriptors close-on-exec
};

[[noreturn]] void fail_in_child(int report_fd, int step) {
  int msg[2] = {step, errno};
  ssize_t ignored = ::write(report_fd, msg, sizeof(msg));
  (void)ignored;
  ::_exit(127);
}

[[noreturn]] void child_main(const ChildSetup& s) {
  if (::setpgid(0, 0) != 0) fail_in_child(s.report_fd, kStepSetpgid);
  if (::dup2(s.in_fd, 0) < 0 || ::dup2(s.out_fd, 1) < 0 || ::dup2(s.err_fd, 2) < 0) {
    fail_in_child(s.report_fd, kStepDup);
  }
  // Descriptors the test opened without O_CLOEXEC (hiredis sockets, for one) stay ours.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < s.max_fd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (s.user->change && (::setgroups(1, &s.user->gid) != 0 || ::setgid(s.user->gid) != 0 ||
                         ::setuid(s.user->uid) != 0)) {
    fail_in_child(s.report_fd, kStepUser);
  }
  // After setuid: a change of credentials clears the parent-death signal.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail_in_child(s.report_fd, kStepPdeath);
  if (::getppid() != s.parent) ::_exit(127);  // the test died before prctl took effect
  if (s.working_dir != nullptr && ::chdir(s.working_dir) != 0) {
    fail_in_child(s.report_fd, kStepChdir);
  }
  ::execve(s.path, s.argv, s.envp);
  fail_in_child(s.report_fd, kStepExec);
}

// Opens <dir>/<name> for appending (close-on-exec; the child dup2s it).
Result<int> open_log(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return system_error("open(" + file.string() + ")");
  return fd;
}

// Closes the parent's copies of the child's descriptors when spawn_process returns.
class Fds {
 public:
  ~Fds() {
    for (int fd : fds_) ::close(fd);
  }
  int add(int fd) { fds_.push_back(fd); return fd; }

 private:
  std::vector<int> fds_;
};

// stdin (/dev/null), stdout and stderr (appended log files) for the child; owned by `fds`.
Result<std::array<int, 3>> open_std_fds(const ProcessSpec& spec,
                                        const std::filesystem::path& log_dir, Fds& fds) {
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in < 0) return system_error("open(/dev/null)");
  fds.add(in);
  auto out = open_log(log_dir / (spec.log_name + ".stdout"));
  if (!out) return out.error();
  fds.add(*out);
  auto err = open_log(log_dir / (spec.log_name + ".stderr"));
  if (!err) return err.error();
  fds.add(*err);
  return std::array<int, 3>{in, *out, *err};
}

int max_fd_bound() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 65536;
  return static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 65536));
}

// Reads the child's exec report; EOF means exec succeeded.
Result<pid_t> await_exec(pid_t pid, int report_fd, const std::string& path) {
  int msg[2] = {0, 0};
  ssize_t n;
  do {
    n = ::read(report_fd, msg, sizeof(msg));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return pid;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return harness_error(HarnessErrc::kStartFailed, path + ": " + step_name(msg[0]) +
                                                      " failed: " + std::strerror(msg[1]));
}

}  // namespace

Result<pid_t> spawn_process(const ProcessSpec& spec, const std::filesystem::path& log_dir) {
  auto path = resolve_program(spec.program);
  if (!path) return path.error();
  auto user = resolve_user(spec.run_as_user);
  if (!user) return user.error();
  Fds fds;
  auto std_fds = open_std_fds(spec, log_dir, fds);
  if (!std_fds) return std_fds.error();
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return system_error("pipe2");
  fds.add(report[0]);

  std::vector<std::string> argv_s{*path};
  argv_s.insert(argv_s.end(), spec.args.begin(), spec.args.end());
  std::vector<std::string> env_s = build_env(spec, *user);
  std::vector<char*> argv = c_strings(argv_s);
  std::vector<char*> envp = c_strings(env_s);
  std::string wd = spec.working_dir.string();
  const auto& [in, out, err] = *std_fds;
  ChildSetup setup{in, out, err, report[1], ::getpid(), &user.value(),
                   wd.empty() ? nullptr : wd.c_str(), path->c_str(), argv.data(), envp.data(),
                   max_fd_bound()};

  pid_t pid = ::fork();
  if (pid == 0) child_main(setup);
  ::close(report[1]);
  if (pid < 0) return system_error("fork");
  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins the race
  return await_exec(pid, report[0], *path);
}

}  // namespace bw::testing::detail
