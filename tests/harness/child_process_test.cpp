// ChildProcess, TempDir and ports: the process rules every server fixture relies on —
// output captured, the whole group ended, nothing left behind even when the test dies.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "bw/testing/binaries.hpp"
#include "bw/testing/child_process.hpp"
#include "bw/testing/errors.hpp"
#include "bw/testing/ports.hpp"
#include "bw/testing/temp_dir.hpp"

namespace bw::testing {
namespace {

using std::chrono::milliseconds;

ProcessSpec shell(const std::string& script) {
  ProcessSpec spec;
  spec.program = "/bin/sh";
  spec.args = {"-c", script};
  return spec;
}

// Gone means: no such pid, or only a zombie waiting for its (new) parent to reap it.
bool process_gone(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    if (stat >> pid_field >> comm >> state && state == "Z") return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

TEST(TempDir, CreatesPrivateFolderAndRemovesItWithContent) {
  std::filesystem::path path;
  {
    auto dir = TempDir::create("bw-unit-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    path = dir->path();
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    std::filesystem::create_directories(path / "a" / "b");
    std::ofstream(path / "a" / "b" / "f") << "x";
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Ports, FreeLoopbackPortIsNonZeroAndNotListening) {
  std::uint16_t port = free_loopback_port();
  ASSERT_NE(port, 0);
  EXPECT_FALSE(loopback_port_accepts(port));
}

TEST(ChildProcess, CapturesStdoutStderrAndExitCode) {
  auto child = ChildProcess::spawn(shell("echo out; echo err >&2; exit 3"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  auto status = child->wait_exit(milliseconds(5000));
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_TRUE(status->exited());
  EXPECT_EQ(status->code, 3);
  EXPECT_EQ(read_text_file(child->stdout_path()), "out\n");
  EXPECT_EQ(read_text_file(child->stderr_path()), "err\n");
  EXPECT_FALSE(child->alive());
}

TEST(ChildProcess, AddsEnvironmentEntries) {
  ProcessSpec spec = shell("echo \"$BW_HARNESS_X\"");
  spec.env = {"BW_HARNESS_X=42"};
  auto out = run_to_exit(std::move(spec), milliseconds(5000));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, "42\n");
}

TEST(ChildProcess, DoesNotInheritOurDescriptors) {
  int leaky[2];
  ASSERT_EQ(::pipe(leaky), 0);  // no O_CLOEXEC, like a hiredis socket
  std::string fd = std::to_string(leaky[1]);
  auto out = run_to_exit(shell("[ -e /proc/self/fd/" + fd + " ] && echo leaked || echo clean"),
                         milliseconds(5000));
  ::close(leaky[0]);
  ::close(leaky[1]);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, "clean\n");
}

TEST(ChildProcess, WaitForOutputSeesALine) {
  auto child = ChildProcess::spawn(shell("sleep 0.05; echo listening on 1234; sleep 30"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  Status seen = child->wait_for_output("listening on", milliseconds(5000));
  EXPECT_TRUE(seen.ok()) << seen.error().message;
}

TEST(ChildProcess, WaitForOutputFailsFastWhenTheChildExits) {
  auto child = ChildProcess::spawn(shell("echo something else >&2; exit 1"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  auto begin = std::chrono::steady_clock::now();
  Status seen = child->wait_for_output("listening on", milliseconds(5000));
  ASSERT_FALSE(seen.ok());
  EXPECT_EQ(seen.error().code, static_cast<int>(HarnessErrc::kStartFailed));
  EXPECT_NE(seen.error().message.find("something else"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, milliseconds(10000));  // not the child's 30 s
}

TEST(BuiltBinary, FindsProgramsInTheBuildFolder) {
  ASSERT_NE(std::getenv("BW_BIN_DIR"), nullptr) << "BW_BIN_DIR is unset: run this test through ctest";
  auto self = built_binary("harness_process_test");
  ASSERT_TRUE(self.ok()) << self.error().message;
  auto missing = built_binary("bw-not-a-target");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, static_cast<int>(HarnessErrc::kNotFound));
}

TEST(ChildProcess, ReportsMissingProgram) {
  ProcessSpec spec;
  spec.program = "bw-no-such-program-anywhere";
  auto child = ChildProcess::spawn(std::move(spec));
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().code, static_cast<int>(HarnessErrc::kNotFound));
}

TEST(ChildProcess, WaitExitTimesOutWhileRunning) {
  auto child = ChildProcess::spawn(shell("sleep 30"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  auto status = child->wait_exit(milliseconds(50));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, static_cast<int>(HarnessErrc::kTimeout));
  EXPECT_TRUE(child->alive());
}

TEST(ChildProcess, TerminateEscalatesToSigkillWhenSignalIsIgnored) {
  auto child = ChildProcess::spawn(shell("trap '' TERM; echo ready; sleep 30"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  while (read_text_file(child->stdout_path()).empty()) std::this_thread::sleep_for(milliseconds(5));
  auto begin = std::chrono::steady_clock::now();
  ExitStatus status = child->terminate(SIGTERM, milliseconds(200));
  EXPECT_EQ(status.signal, SIGKILL) << status.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, milliseconds(10000));  // not the child's 30 s
}

TEST(ChildProcess, DestructorEndsTheWholeProcessGroup) {
  pid_t leader = -1;
  pid_t grandchild = -1;
  {
    auto child = ChildProcess::spawn(shell("sleep 30 & echo $!; wait"));
    ASSERT_TRUE(child.ok()) << child.error().message;
    leader = child->pid();
    std::string out;
    while ((out = read_text_file(child->stdout_path())).empty()) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    grandchild = std::stoi(out);
    EXPECT_EQ(::getpgid(grandchild), leader);
  }
  EXPECT_TRUE(process_gone(leader));
  EXPECT_TRUE(process_gone(grandchild));
}

TEST(ChildProcess, DiesWithTheTestProcess) {
  auto logs = TempDir::create("bw-unit-");  // ours: the "crashing" process cannot clean up
  ASSERT_TRUE(logs.ok());
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t test_process = ::fork();
  ASSERT_GE(test_process, 0);
  if (test_process == 0) {  // stands in for a test binary that crashes
    ::close(fds[0]);
    ProcessSpec spec = shell("sleep 30");
    spec.log_dir = logs->path();
    auto child = ChildProcess::spawn(std::move(spec));
    pid_t pid = child.ok() ? child->pid() : -1;
    ssize_t n = ::write(fds[1], &pid, sizeof(pid));
    (void)n;
    ::raise(SIGKILL);  // no destructor runs
  }
  ::close(fds[1]);
  pid_t orphan = -1;
  ASSERT_EQ(::read(fds[0], &orphan, sizeof(orphan)), static_cast<ssize_t>(sizeof(orphan)));
  ::close(fds[0]);
  ::waitpid(test_process, nullptr, 0);
  ASSERT_GT(orphan, 0);
  EXPECT_TRUE(process_gone(orphan));
}

// As root the child runs as the named user; as anyone else the request is refused, never
// silently run as the caller. (The postgres user comes with the postgresql package.)
TEST(ChildProcess, RunsAsAnotherUserOnlyWhenRoot) {
  passwd* pw = ::getpwnam("postgres");
  ASSERT_NE(pw, nullptr) << "no postgres user: run scripts/bootstrap.sh";
  ProcessSpec spec = shell("id -u; echo \"$HOME\"");
  spec.run_as_user = "postgres";
  auto out = run_to_exit(std::move(spec), milliseconds(5000));
  if (::geteuid() == 0) {
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(*out, std::to_string(pw->pw_uid) + "\n" + pw->pw_dir + "\n");
  } else if (::geteuid() != pw->pw_uid) {
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, static_cast<int>(HarnessErrc::kSystem));
  }
}

}  // namespace
}  // namespace bw::testing
