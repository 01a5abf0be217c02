// `breakwater-agent hook` (the real binary) against the agent's real approval socket: the
// decision reaches Claude Code's format, and every failure denies — no socket, no secret, a
// wrong secret, a slow agent, a malformed answer, malformed input.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "bw/testing/binaries.hpp"
#include "bw/testing/temp_dir.hpp"
#include "hook/approval_socket.hpp"

extern char** environ;

namespace bw::agent::hook {
namespace {

using namespace std::chrono_literals;

const std::string kCall =
    R"({"session_id":"claude-1","cwd":"/tmp","permission_mode":"default","hook_event_name":"PreToolUse",)"
    R"("tool_name":"Bash","tool_input":{"command":"touch /tmp/x"},"tool_use_id":"toolu_1"})";

struct Run {
  int status = -1;
  std::string out, err;
  std::chrono::milliseconds took{};
};

// Runs the hook with `env` (only these variables), `args` after `hook` and `input` on stdin.
Run run_hook(const std::vector<std::string>& env, const std::string& input, std::vector<std::string> args = {}) {
  ::signal(SIGPIPE, SIG_IGN);  // the hook stops reading oversized input
  auto bin = testing::built_binary("breakwater-agent");
  EXPECT_TRUE(bin) << bin.error().message;
  int in[2], out[2], err[2];
  EXPECT_EQ(::pipe(in), 0);
  EXPECT_EQ(::pipe(out), 0);
  EXPECT_EQ(::pipe(err), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  for (int fd : {in[1], out[0], err[0]}) posix_spawn_file_actions_addclose(&fa, fd);
  const std::string path = bin->string();
  std::vector<std::string> e = env;
  for (char** v = environ; *v; ++v) {
    if (std::strncmp(*v, "ASAN_", 5) == 0 || std::strncmp(*v, "UBSAN_", 6) == 0 || std::strncmp(*v, "LSAN_", 5) == 0) {
      e.emplace_back(*v);
    }
  }
  std::vector<char*> argv{const_cast<char*>(path.c_str()), const_cast<char*>("hook")};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& s : e) envp.push_back(s.data());
  envp.push_back(nullptr);
  const auto started = std::chrono::steady_clock::now();
  pid_t pid = -1;
  EXPECT_EQ(::posix_spawn(&pid, path.c_str(), &fa, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  std::thread writer([&] {
    if (::write(in[1], input.data(), input.size()) < 0) {
      // the hook stopped reading (oversized input): expected
    }
    ::close(in[1]);
  });
  Run r;
  auto slurp = [](int fd, std::string& into) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) into.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
  };
  std::thread err_reader([&] { slurp(err[0], r.err); });
  slurp(out[0], r.out);
  err_reader.join();
  writer.join();
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// The decision Claude Code would read, or "" when the output is not one.
std::string decision_of(const Run& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object() || !j.contains("hookSpecificOutput")) return "";
  return j["hookSpecificOutput"].value("permissionDecision", "");
}
std::string reason_of(const Run& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object() || !j.contains("hookSpecificOutput")) return "";
  return j["hookSpecificOutput"].value("permissionDecisionReason", "");
}

class HookSystem : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = testing::TempDir::create("hook");
    ASSERT_TRUE(d);
    dir_ = std::make_unique<testing::TempDir>(std::move(d).value());
    path_ = (dir_->path() / "approvals.sock").string();
  }
  std::vector<std::string> env_for(const std::string& secret, const std::string& deadline_ms = "5000") {
    return {"BREAKWATER_HOOK_SOCKET=" + path_, "BREAKWATER_HOOK_SECRET=" + secret,
            "BREAKWATER_HOOK_DEADLINE_MS=" + deadline_ms};
  }
  std::unique_ptr<testing::TempDir> dir_;
  std::string path_;
};

TEST_F(HookSystem, TheAgentsAllowAndDenyReachClaudeCodeForTheExactCall) {
  std::atomic<int> calls{0};
  std::string seen_session, seen_input, seen_tool_use;
  bool allow = true;
  auto sock = ApprovalSocket::open(path_, [&](const std::string& session, const HookCall& c) {
    ++calls;
    seen_session = session;
    seen_input = c.tool_input;
    seen_tool_use = c.tool_use_id;
    return Decision{allow, allow ? "approved on a phone" : "denied on a phone"};
  });
  ASSERT_TRUE(sock) << sock.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "only the agent's user may connect";
  const auto secret = (*sock)->add_session("session-A");
  auto r = run_hook(env_for(secret), kCall);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(decision_of(r), "allow") << r.out;
  EXPECT_EQ(seen_session, "session-A");
  EXPECT_EQ(seen_input, R"({"command":"touch /tmp/x"})");
  EXPECT_EQ(seen_tool_use, "toolu_1");
  allow = false;
  r = run_hook(env_for(secret), kCall);
  EXPECT_EQ(decision_of(r), "deny") << r.out;
  EXPECT_NE(reason_of(r).find("denied on a phone"), std::string::npos);
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(r.out.find(secret), std::string::npos) << "the secret is never printed";
  EXPECT_EQ(r.err.find(secret), std::string::npos);
}

TEST_F(HookSystem, TheUserSettingsHookInsideAnAgentSessionSpeaksForThatSession) {
  std::vector<std::string> sessions;
  std::mutex mu;
  auto sock = ApprovalSocket::open(path_, [&](const std::string& session, const HookCall&) {
    std::lock_guard lock(mu);
    sessions.push_back(session);
    return Decision{true, "yes"};
  });
  ASSERT_TRUE(sock);
  const auto terminal = (*sock)->add_session("terminal");
  const auto agent_session = (*sock)->add_session("session-A");
  const auto secret_file = (dir_->path() / "user-hook.secret").string();
  std::ofstream(secret_file) << terminal << "\n";
  const std::vector<std::string> user_args{"--from-user-settings", "--socket", path_, "--secret-file", secret_file,
                                           "--deadline-ms", "5000"};

  // In the user's own terminal: no session environment, the user hook's secret.
  EXPECT_EQ(decision_of(run_hook({}, kCall, user_args)), "allow");
  // In a session the agent started (its environment names this socket): that session's.
  EXPECT_EQ(decision_of(run_hook(env_for(agent_session), kCall, user_args)), "allow");
  // An environment naming some other socket (a project's "env" setting, say) is ignored.
  auto elsewhere = env_for(agent_session);
  elsewhere[0] = "BREAKWATER_HOOK_SOCKET=" + (dir_->path() / "other.sock").string();
  EXPECT_EQ(decision_of(run_hook(elsewhere, kCall, user_args)), "allow");
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(sessions, (std::vector<std::string>{"terminal", "session-A", "terminal"}));
  }
  // A forged secret for this socket is denied without asking anyone.
  auto forged = agent_session;
  forged[0] = forged[0] == 'a' ? 'b' : 'a';
  const auto r = run_hook(env_for(forged), kCall, user_args);
  EXPECT_EQ(decision_of(r), "deny") << r.out;
  std::lock_guard lock(mu);
  EXPECT_EQ(sessions.size(), 3u);
}

TEST_F(HookSystem, AWrongOrEndedSecretIsDeniedWithoutAskingAnyone) {
  std::atomic<int> calls{0};
  auto sock = ApprovalSocket::open(path_, [&](const std::string&, const HookCall&) {
    ++calls;
    return Decision{true, "yes"};
  });
  ASSERT_TRUE(sock);
  const auto secret = (*sock)->add_session("s");
  auto forged = secret;
  forged[0] = forged[0] == 'a' ? 'b' : 'a';
  auto r = run_hook(env_for(forged), kCall);
  EXPECT_EQ(decision_of(r), "deny") << r.out;
  (*sock)->remove_session("s");
  r = run_hook(env_for(secret), kCall);
  EXPECT_EQ(decision_of(r), "deny") << "a session that ended has no say";
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ((*sock)->stats().refused_secret.load(), 2u);
}

TEST_F(HookSystem, NoAgentNoEnvironmentOrBadInputDenies) {
  auto r = run_hook(env_for("abc"), kCall);  // no socket at that path
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(decision_of(r), "deny") << r.out;
  EXPECT_NE(reason_of(r).find("unreachable"), std::string::npos) << r.out;
  r = run_hook({}, kCall);
  EXPECT_EQ(decision_of(r), "deny");
  EXPECT_NE(reason_of(r).find("not started by breakwater-agent"), std::string::npos) << r.out;
  auto sock = ApprovalSocket::open(path_, [](const std::string&, const HookCall&) { return Decision{true, ""}; });
  ASSERT_TRUE(sock);
  const auto secret = (*sock)->add_session("s");
  for (const std::string& bad : {std::string("not json"), std::string(R"({"hook_event_name":"PreToolUse"})"),
                                std::string(2 * 1024 * 1024, '{')}) {
    r = run_hook(env_for(secret), bad);
    EXPECT_EQ(decision_of(r), "deny") << bad.substr(0, 40);
  }
  r = run_hook(env_for(secret, "not-a-number"), kCall);
  EXPECT_EQ(decision_of(r), "deny");
}

TEST_F(HookSystem, ASlowAgentIsDeniedBeforeTheDeadline) {
  std::atomic<bool> release{false};
  auto sock = ApprovalSocket::open(path_, [&](const std::string&, const HookCall&) {
    for (int i = 0; i < 300 && !release; ++i) std::this_thread::sleep_for(50ms);  // up to 15 s
    return Decision{true, "too late"};
  });
  ASSERT_TRUE(sock);
  const auto secret = (*sock)->add_session("s");
  auto r = run_hook(env_for(secret, "1500"), kCall);
  release = true;
  EXPECT_EQ(decision_of(r), "deny") << r.out;
  // Its own deadline ended the wait (the agent would have taken 15 s); the exact margin is
  // the hook's (a tenth of the deadline, at most 2 s) and not timed here.
  EXPECT_LT(r.took, 10s) << "did not wait for the agent";
  EXPECT_NE(reason_of(r).find("deadline"), std::string::npos) << r.out;
}

TEST_F(HookSystem, AMalformedAnswerDenies) {
  // Not the agent: a listener that answers garbage, then one that hangs up.
  for (const std::string& answer : {std::string("{\"v\":1,\"decision\":\"ask\"}\n"), std::string("allow\n"), std::string()}) {
    ::unlink(path_.c_str());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path_.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    std::thread server([&] {
      const int c = ::accept(fd, nullptr, nullptr);
      char buf[65536];
      if (::read(c, buf, sizeof buf) < 0 || ::write(c, answer.data(), answer.size()) < 0) {
        // the hook hung up first: it denies either way
      }
      ::close(c);
    });
    auto r = run_hook(env_for("secret"), kCall);
    server.join();
    ::close(fd);
    EXPECT_EQ(decision_of(r), "deny") << answer << r.out;
  }
}

}  // namespace
}  // namespace bw::agent::hook
