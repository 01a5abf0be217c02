// How a Claude Code session is started (session/session_plan.hpp) and the decision log
// (session/decision_log.hpp), over real folders and files.
#include "session/session_plan.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bw/testing/temp_dir.hpp"
#include "session/decision_log.hpp"

namespace bw::agent::session {
namespace {

namespace fs = std::filesystem;

class SessionPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = testing::TempDir::create("plan");
    ASSERT_TRUE(d);
    dir_ = std::make_unique<testing::TempDir>(std::move(d).value());
    root_ = fs::canonical(dir_->path());
    fs::create_directories(root_ / "code" / "app");
    fs::create_directories(root_ / "private");
    s_.project_roots = {(root_ / "code").string()};
    s_.claude_path = "/opt/claude/bin/claude";
    s_.agent_binary = "/usr/bin/breakwater-agent";
  }
  std::unique_ptr<testing::TempDir> dir_;
  fs::path root_;
  SessionSettings s_;
};

TEST_F(SessionPlan, OnlyFoldersInsideAProjectRootAfterResolvingLinks) {
  auto ok = resolve_project(s_, (root_ / "code" / "app" / "." ).string());
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok, (root_ / "code" / "app").string());
  EXPECT_FALSE(resolve_project(s_, (root_ / "private").string()));
  EXPECT_FALSE(resolve_project(s_, (root_ / "code" / ".." / "private").string()));
  fs::create_symlink(root_ / "private", root_ / "code" / "escape");
  auto esc = resolve_project(s_, (root_ / "code" / "escape").string());
  ASSERT_FALSE(esc) << "a link inside a root that leads out of it";
  EXPECT_NE(esc.error().message.find("outside"), std::string::npos);
  EXPECT_FALSE(resolve_project(s_, (root_ / "code" / "missing").string()));
  std::ofstream(root_ / "code" / "file.txt") << "x";
  EXPECT_FALSE(resolve_project(s_, (root_ / "code" / "file.txt").string()));
  fs::create_directories(root_ / "codex");  // a sibling sharing the root's name as a prefix
  EXPECT_FALSE(resolve_project(s_, (root_ / "codex").string()));
  SessionSettings none = s_;
  none.project_roots.clear();
  EXPECT_FALSE(resolve_project(none, (root_ / "code" / "app").string()));
}

TEST_F(SessionPlan, ArgumentsNeverBypassPermissionsAndLimitSettingsSources) {
  const std::map<std::string, std::string> env{{"HOME", "/home/u"}, {"PATH", "/usr/bin"}};
  auto p = plan_session(s_, "/p", false, "/s/settings.json", {"/s/approvals.sock", "sekret"}, std::nullopt, env);
  const std::vector<std::string> want{"/opt/claude/bin/claude", "-p", "--input-format", "stream-json", "--output-format",
                                      "stream-json", "--verbose", "--settings", "/s/settings.json", "--setting-sources",
                                      "user"};
  EXPECT_EQ(p.argv, want);
  EXPECT_EQ(p.cwd, "/p");
  for (const auto& a : p.argv) {
    EXPECT_EQ(a.find("dangerously"), std::string::npos);
    EXPECT_EQ(a.find("bypass"), std::string::npos);
    EXPECT_EQ(a.find("permission-mode"), std::string::npos);
  }
  auto trusted = plan_session(s_, "/p", true, "/s/settings.json", {"/s/a.sock", "x"}, std::string("abc-123"), env);
  EXPECT_EQ(trusted.argv[10], "user,project,local");
  EXPECT_EQ(trusted.argv[11], "--resume");
  EXPECT_EQ(trusted.argv[12], "abc-123");
}

TEST_F(SessionPlan, TheChildsEnvironmentIsBuiltFromNothing) {
  const std::map<std::string, std::string> env{{"HOME", "/home/u"},
                                               {"PATH", "/usr/bin"},
                                               {"BREAKWATER_AGENT_STATE_DIR", "/s"},
                                               {"BREAKWATER_AGENT_DEVICE_TOKEN", "bwdt_secret"},
                                               {"ANTHROPIC_API_KEY", "sk-ant-key"},
                                               {"ANTHROPIC_BASE_URL", "http://127.0.0.1:9"},
                                               {"AWS_SECRET_ACCESS_KEY", "aws"},
                                               {"SSH_AUTH_SOCK", "/tmp/agent"}};
  s_.env_passthrough = {"ANTHROPIC_BASE_URL", "BREAKWATER_AGENT_DEVICE_TOKEN", "ANTHROPIC_API_KEY"};
  auto p = plan_session(s_, "/p", false, "/s/x.json", {"/s/a.sock", "sekret"}, std::nullopt, env);
  auto has = [&](const std::string& kv) { return std::find(p.env.begin(), p.env.end(), kv) != p.env.end(); };
  auto names = [&] {
    std::string all;
    for (const auto& e : p.env) all += e.substr(0, e.find('=')) + " ";
    return all;
  };
  EXPECT_TRUE(has("HOME=/home/u"));
  EXPECT_TRUE(has("PATH=/usr/bin"));
  EXPECT_TRUE(has("ANTHROPIC_BASE_URL=http://127.0.0.1:9")) << names();
  EXPECT_TRUE(has("BREAKWATER_HOOK_SOCKET=/s/a.sock"));
  EXPECT_TRUE(has("BREAKWATER_HOOK_SECRET=sekret"));
  EXPECT_TRUE(has("BREAKWATER_HOOK_DEADLINE_MS=130000"));
  for (const auto& e : p.env) {
    EXPECT_EQ(e.find("bwdt_"), std::string::npos) << "the device token never reaches the child";
    EXPECT_EQ(e.find("BREAKWATER_AGENT"), std::string::npos) << e;
    EXPECT_EQ(e.find("sk-ant-key"), std::string::npos) << "no API key without API billing";
    EXPECT_EQ(e.find("aws"), std::string::npos);
    EXPECT_EQ(e.find("SSH_AUTH_SOCK"), std::string::npos);
  }
  s_.api_billing = true;
  auto billed = plan_session(s_, "/p", false, "/s/x.json", {"/s/a.sock", "sekret"}, std::nullopt, env);
  EXPECT_NE(std::find(billed.env.begin(), billed.env.end(), "ANTHROPIC_API_KEY=sk-ant-key"), billed.env.end());
}

TEST_F(SessionPlan, TheSettingsFileHoldsOnlyTheHookWithATimeoutPastItsDeadline) {
  s_.agent_binary = "/opt/it's here/breakwater-agent";
  auto p = plan_session(s_, "/p", false, "/s/x.json", {"/s/a.sock", "k"}, std::nullopt, {});
  auto j = nlohmann::json::parse(p.settings_json);
  ASSERT_EQ(j.size(), 1u) << "nothing but hooks";
  const auto& h = j["hooks"]["PreToolUse"][0];
  EXPECT_EQ(h["matcher"], "*");
  EXPECT_EQ(h["hooks"][0]["type"], "command");
  EXPECT_EQ(h["hooks"][0]["command"], "'/opt/it'\\''s here/breakwater-agent' hook || exit 2")
      << "quoted for the shell; a hook that cannot start still blocks (exit 2)";
  EXPECT_GT(h["hooks"][0]["timeout"].get<long>() * 1000, hook_deadline(s_).count());
  EXPECT_GT(hook_deadline(s_), s_.approval_timeout) << "the broker times out first and denies";
}

TEST_F(SessionPlan, TheDecisionLogChainsEveryLineAndDetectsEdits) {
  const auto path = (root_ / "decisions.jsonl").string();
  {
    auto log = DecisionLog::open(path);
    ASSERT_TRUE(log);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE((*log)->append({1000 + i, "s1", "Bash", "ab", i == 0 ? "rule" : "client", "Bash(ls *)", "/f", "phone", i != 1}));
    }
  }
  {
    auto log = DecisionLog::open(path);  // reopened: the chain continues
    ASSERT_TRUE(log);
    ASSERT_TRUE((*log)->append({2000, "s2", "Edit", "cd", "timeout", "", "", "", false}));
  }
  auto n = DecisionLog::verify(path);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto edited = text;
  edited.replace(edited.find("\"result\":\"deny\""), 15, "\"result\":\"allo\"");
  std::ofstream(path, std::ios::trunc) << edited;
  EXPECT_FALSE(DecisionLog::verify(path)) << "an edited line breaks the chain";
  auto removed = text;
  const auto second = removed.find('\n') + 1;
  removed.erase(second, removed.find('\n', second) + 1 - second);
  std::ofstream(path, std::ios::trunc) << removed;
  EXPECT_FALSE(DecisionLog::verify(path)) << "a removed line breaks the chain";
  EXPECT_FALSE(DecisionLog::open(path)) << "and the agent refuses to append to a broken log";
}

std::string slurp_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(SessionPlan, ALineTornByACrashIsSetAsideAndTheChainGoesOn) {
  const auto path = (root_ / "decisions.jsonl").string();
  {
    auto log = DecisionLog::open(path);
    ASSERT_TRUE(log);
    ASSERT_TRUE((*log)->append({1000, "s1", "Bash", "ab", "rule", "Bash(ls *)", "/f", "", true}));
    ASSERT_TRUE((*log)->append({1001, "s1", "Bash", "cd", "client", "", "", "phone", false}));
    EXPECT_EQ((*log)->torn_tail(), "");
  }
  const std::string whole = slurp_file(path);
  const std::string fragment = R"({"at_ms":1002,"by":"client","client":"pho)";
  std::ofstream(path, std::ios::app) << fragment;  // the crash: half a line, no newline
  auto checked = DecisionLog::verify(path);
  ASSERT_FALSE(checked) << "an offline check names the cut line";
  EXPECT_NE(checked.error().message.find("line 3 is incomplete"), std::string::npos) << checked.error().message;

  auto log = DecisionLog::open(path);
  ASSERT_TRUE(log) << log.error().message << " — the agent must start again after a crash";
  const std::string torn = (*log)->torn_tail();
  ASSERT_FALSE(torn.empty());
  EXPECT_EQ(slurp_file(torn), fragment) << "kept for inspection";
  EXPECT_EQ(fs::status(torn).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(slurp_file(path), whole) << "cut back to the last complete line";
  ASSERT_TRUE((*log)->append({1003, "s1", "Edit", "ef", "timeout", "", "", "", false}));
  auto n = DecisionLog::verify(path);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 3u) << "the new line chains to the last complete one";
}

TEST_F(SessionPlan, AnAppendCutShortLeavesNoHalfLineBehind) {
  const auto path = (root_ / "decisions.jsonl").string();
  auto log = DecisionLog::open(path);
  ASSERT_TRUE(log);
  ASSERT_TRUE((*log)->append({1000, "s1", "Bash", "ab", "rule", "Bash(ls *)", "/f", "", true}));
  const std::string before = slurp_file(path);
  // A full disk, as the kernel shows it to one process: writes past this size stop short.
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = before.size() + 20;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const auto failed = (*log)->append({1001, "s1", "Bash", "cd", "client", "", "", "phone", true});
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  std::signal(SIGXFSZ, previous_handler);
  EXPECT_FALSE(failed) << "a short write is an error (the hook then denies)";
  EXPECT_EQ(slurp_file(path), before) << "the partial line was cut off again";
  ASSERT_TRUE((*log)->append({1002, "s1", "Bash", "ef", "client", "", "", "phone", false}));
  auto n = DecisionLog::verify(path);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 2u);
}

}  // namespace
}  // namespace bw::agent::session
