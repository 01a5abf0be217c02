// The agent's own decision before asking a phone (hook/approval_policy.hpp), over real
// settings files and real symlinks in a scratch folder.
#include "hook/approval_policy.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bw/testing/temp_dir.hpp"

namespace bw::agent::hook {
namespace {

namespace fs = std::filesystem;

class ApprovalPolicy : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = testing::TempDir::create("policy");
    ASSERT_TRUE(d);
    dir_ = std::make_unique<testing::TempDir>(std::move(d).value());
    root_ = fs::canonical(dir_->path());
    s_.home = (root_ / "home").string();
    s_.project_dir = (root_ / "home" / "proj").string();
    s_.agent_state_dir = (root_ / "home" / ".local" / "state" / "breakwater-agent").string();
    s_.managed_settings_file = (root_ / "etc" / "managed-settings.json").string();
    fs::create_directories(s_.project_dir + "/.claude");
    fs::create_directories(s_.home + "/.claude");
    fs::create_directories(s_.agent_state_dir);
    fs::create_directories(s_.project_dir + "/.git/hooks");
  }
  void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
  void user_settings(const std::string& text) { write(s_.home + "/.claude/settings.json", text); }
  void project_settings(const std::string& text) { write(s_.project_dir + "/.claude/settings.json", text); }
  void local_settings(const std::string& text) { write(s_.project_dir + "/.claude/settings.local.json", text); }
  LocalDecision decide(const std::string& tool, const std::string& input) {
    return decide_locally(s_, HookCall{"sess", "tu", tool, s_.project_dir, "default", input});
  }
  std::unique_ptr<testing::TempDir> dir_;
  fs::path root_;
  SessionContext s_;
};

TEST_F(ApprovalPolicy, TheUsersAllowAndDenyRulesDecideWithoutAPhone) {
  user_settings(R"j({"permissions":{"allow":["Bash(npm test *)"],"deny":["Bash(rm *)"]}})j");
  auto a = decide("Bash", R"j({"command":"npm test --watch"})j");
  EXPECT_EQ(a.route, Route::kAllow) << a.reason;
  EXPECT_EQ(a.rule, "Bash(npm test *)");
  EXPECT_NE(a.file.find(".claude/settings.json"), std::string::npos);
  EXPECT_EQ(decide("Bash", R"j({"command":"rm -rf build"})j").route, Route::kDeny);
  auto other = decide("Bash", R"j({"command":"curl example.com"})j");
  EXPECT_EQ(other.route, Route::kAskClients);
  EXPECT_EQ(other.reason, "no rule allows this call");
}

TEST_F(ApprovalPolicy, AnUntrustedRepositoryCannotAllowButItsDenyCounts) {
  project_settings(R"j({"permissions":{"allow":["Bash","Edit","Write"]}})j");
  local_settings(R"j({"permissions":{"deny":["Bash(git push *)"]}})j");
  EXPECT_EQ(decide("Bash", R"j({"command":"make"})j").route, Route::kAskClients) << "untrusted: its allow is ignored";
  EXPECT_EQ(decide("Bash", R"j({"command":"git push origin main"})j").route, Route::kDeny);
  s_.project_trusted = true;
  EXPECT_EQ(decide("Bash", R"j({"command":"make"})j").route, Route::kAllow) << "trusted on the agent";
}

TEST_F(ApprovalPolicy, WritesToClaudeSettingsAndGitHooksAlwaysAskEvenThroughASymlink) {
  user_settings(R"j({"permissions":{"allow":["Edit","Write"]}})j");
  EXPECT_EQ(decide("Write", R"j({"file_path":"notes.md","content":"x"})j").route, Route::kAllow);
  EXPECT_EQ(decide("Write", R"j({"file_path":".claude/settings.json","content":"{}"})j").route, Route::kAskClients);
  EXPECT_EQ(decide("Write", R"j({"file_path":".git/hooks/pre-commit","content":"x"})j").route, Route::kAskClients);
  fs::create_symlink(s_.project_dir + "/.claude", s_.project_dir + "/innocent");
  auto linked = decide("Write", R"j({"file_path":"innocent/settings.json","content":"{}"})j");
  EXPECT_EQ(linked.route, Route::kAskClients) << "the link resolves into .claude/";
  fs::create_symlink(s_.agent_state_dir, s_.project_dir + "/state");
  EXPECT_EQ(decide("Write", R"j({"file_path":"state/pairings.json","content":"[]"})j").route, Route::kAskClients);
}

TEST_F(ApprovalPolicy, ReadsInsideTheWorkspaceNeedNoPhoneButALinkOutOfItDoes) {
  write(s_.project_dir + "/main.cpp", "int main(){}");
  EXPECT_EQ(decide("Read", R"j({"file_path":"main.cpp"})j").route, Route::kAllow);
  fs::create_directories(root_ / "secrets");
  write((root_ / "secrets" / "key").string(), "k");
  EXPECT_EQ(decide("Read", R"j({"file_path":")j" + (root_ / "secrets" / "key").string() + R"j("})j").route,
            Route::kAskClients);
  fs::create_symlink(root_ / "secrets", s_.project_dir + "/vendor");
  EXPECT_EQ(decide("Read", R"j({"file_path":"vendor/key"})j").route, Route::kAskClients) << "resolved outside";
}

TEST_F(ApprovalPolicy, ADenyWrittenWithTheLinkOrWithTheTargetBothHold) {
  fs::create_directories(root_ / "data");
  fs::create_symlink(root_ / "data", s_.project_dir + "/d");
  user_settings(R"j({"permissions":{"allow":["Edit"],"deny":["Edit(/)j" + (root_ / "data").string() + R"j(/**)"]}})j");
  EXPECT_EQ(decide("Edit", R"j({"file_path":"d/x.txt","old_string":"a","new_string":"b"})j").route, Route::kDeny)
      << "the deny names the target; the call names the link";
}

TEST_F(ApprovalPolicy, AMalformedSettingsFileNeverAllows) {
  user_settings(R"j({"permissions":{"allow":["Bash"]}})j");
  // (no managed settings file here: a missing file is an empty one)
  EXPECT_EQ(decide("Bash", R"j({"command":"ls"})j").route, Route::kAllow);
  local_settings("{ not json");
  auto d = decide("Bash", R"j({"command":"ls"})j");
  EXPECT_EQ(d.route, Route::kAskClients);
}

TEST_F(ApprovalPolicy, ManagedDenyRulesBindTheUser) {
  fs::create_directories(root_ / "etc");
  write(s_.managed_settings_file, R"j({"permissions":{"deny":["WebFetch"]}})j");
  user_settings(R"j({"permissions":{"allow":["WebFetch"]}})j");
  EXPECT_EQ(decide("WebFetch", R"j({"url":"https://example.com","prompt":"x"})j").route, Route::kDeny);
}

}  // namespace
}  // namespace bw::agent::hook
