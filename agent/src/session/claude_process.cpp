// One Claude Code child; see claude_process.hpp.
#include "session/claude_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace bw::agent::session {
namespace {

Status write_settings(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Error{1, "cannot write the session's settings: " + std::string(std::strerror(errno))};
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return Error{1, "cannot write the session's settings"};
  return {};
}

}  // namespace

struct ClaudeProcess::Impl {
  pid_t pid = -1;
  int in_fd = -1;
  std::mutex in_mu;
  std::thread out_reader, err_reader, waiter;
  std::atomic<bool> exited{false};
  std::mutex exit_mu;
  std::condition_variable exit_cv;
  std::mutex stopper_mu;
  std::thread stopper;  // stop_async()
  OnEvent on_event;
  OnExit on_exit;
};

Result<std::unique_ptr<ClaudeProcess>> ClaudeProcess::start(const SpawnPlan& plan, const std::string& settings_path,
                                                            OnEvent on_event, OnExit on_exit) {
  if (auto st = write_settings(settings_path, plan.settings_json); !st) return st.error();
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return Error{1, "pipe failed"};
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]), ::close(in[1]);
    return Error{1, "pipe failed"};
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return Error{1, "pipe failed"};
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_addchdir_np(&fa, plan.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, reset;
  sigemptyset(&none);
  sigemptyset(&reset);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) sigaddset(&reset, sig);
  posix_spawnattr_setsigmask(&attr, &none);  // the agent blocks SIGTERM/SIGINT; the child must not
  posix_spawnattr_setsigdefault(&attr, &reset);
  std::vector<char*> argv, envp;
  for (const auto& a : plan.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : plan.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  auto impl = std::make_unique<Impl>();
  const int rc = ::posix_spawnp(&impl->pid, plan.argv[0].c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]), ::close(out[0]), ::close(err[0]);
    return Error{1, "cannot start Claude Code (" + plan.argv[0] + "): " + std::strerror(rc)};
  }
  impl->in_fd = in[1];
  impl->on_event = std::move(on_event);
  impl->on_exit = std::move(on_exit);
  auto* raw = impl.get();
  impl->out_reader = std::thread([raw, fd = out[0]] {
    StreamJsonReader reader;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      for (const auto& e : reader.feed(std::string_view(buf, static_cast<std::size_t>(n)))) raw->on_event(e);
    }
    for (const auto& e : reader.finish()) raw->on_event(e);
    ::close(fd);
  });
  impl->err_reader = std::thread([fd = err[0]] {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
    }
    ::close(fd);
  });
  impl->waiter = std::thread([raw] {
    int st = 0;
    while (::waitpid(raw->pid, &st, 0) < 0 && errno == EINTR) {
    }
    raw->out_reader.join();  // every event is delivered before the exit
    {
      std::lock_guard lock(raw->exit_mu);
      raw->exited = true;
    }
    raw->exit_cv.notify_all();
    raw->on_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  });
  return std::unique_ptr<ClaudeProcess>(new ClaudeProcess(std::move(impl)));
}

ClaudeProcess::ClaudeProcess(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClaudeProcess::~ClaudeProcess() {
  stop();
  {
    std::lock_guard lock(impl_->stopper_mu);
    if (impl_->stopper.joinable()) impl_->stopper.join();
  }
  impl_->waiter.join();
  impl_->err_reader.join();
}

Status ClaudeProcess::send_prompt(const std::string& text) {
  nlohmann::json m{{"type", "user"},
                   {"message", {{"role", "user"}, {"content", nlohmann::json::array({{{"type", "text"}, {"text", text}}})}}}};
  const std::string line = m.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(impl_->in_mu);
  if (impl_->in_fd < 0 || impl_->exited) return Error{1, "the session has ended"};
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(impl_->in_fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{1, "the session does not take input"};
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

void ClaudeProcess::interrupt() {
  if (!impl_->exited) ::kill(impl_->pid, SIGINT);
}

void ClaudeProcess::stop() {
  {
    std::lock_guard lock(impl_->in_mu);
    if (impl_->in_fd >= 0) {
      ::close(impl_->in_fd);
      impl_->in_fd = -1;
    }
  }
  std::unique_lock lock(impl_->exit_mu);
  if (impl_->exit_cv.wait_for(lock, std::chrono::seconds(3), [&] { return impl_->exited.load(); })) return;
  ::kill(-impl_->pid, SIGTERM);
  if (impl_->exit_cv.wait_for(lock, std::chrono::seconds(3), [&] { return impl_->exited.load(); })) return;
  ::kill(-impl_->pid, SIGKILL);
  impl_->exit_cv.wait(lock, [&] { return impl_->exited.load(); });
}

void ClaudeProcess::stop_async() {
  std::lock_guard lock(impl_->stopper_mu);
  if (impl_->stopper.joinable() || impl_->exited) return;
  impl_->stopper = std::thread([this] { stop(); });
}

bool ClaudeProcess::running() const { return !impl_->exited; }
int ClaudeProcess::pid() const { return impl_->pid; }

}  // namespace bw::agent::session
