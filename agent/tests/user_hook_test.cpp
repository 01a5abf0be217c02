// The approval hook in the user's own settings (hook/user_hook.hpp): added and removed
// without disturbing anything else, never written into a file it cannot read.
#include "hook/user_hook.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bw/testing/temp_dir.hpp"

namespace bw::agent::hook {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class UserHook : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = testing::TempDir::create("userhook");
    ASSERT_TRUE(d);
    dir_ = std::make_unique<testing::TempDir>(std::move(d).value());
    path_ = dir_->path() / ".claude" / "settings.json";
    cmd_ = user_hook_command("/opt/bw/breakwater-agent", "/s/approvals.sock", "/s/user-hook.secret", 130000);
  }
  std::size_t ours(const nlohmann::json& j) {
    std::size_t n = 0;
    if (!j.contains("hooks") || !j["hooks"].contains("PreToolUse")) return 0;
    for (const auto& e : j["hooks"]["PreToolUse"]) {
      for (const auto& h : e["hooks"]) n += h.value("command", "").find(kUserHookMarker) != std::string::npos;
    }
    return n;
  }
  std::unique_ptr<testing::TempDir> dir_;
  fs::path path_;
  std::string cmd_;
};

TEST_F(UserHook, AddsOneEntryKeepsEverythingElseAndRemovesExactlyIt) {
  fs::create_directories(path_.parent_path());
  const std::string original = R"j({
  "permissions": {"allow": ["Bash(ls *)"]},
  "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-own-check"}]}],
            "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}]},
  "model": "x"
})j";
  std::ofstream(path_) << original;
  ::chmod(path_.c_str(), 0640);
  ASSERT_TRUE(install_user_hook(path_.string(), cmd_, 150));
  auto j = nlohmann::json::parse(slurp(path_));
  EXPECT_EQ(ours(j), 1u);
  EXPECT_EQ(j["hooks"]["PreToolUse"].size(), 2u) << "the user's own hook stays";
  EXPECT_EQ(j["hooks"]["PreToolUse"][1]["hooks"][0]["timeout"], 150);
  EXPECT_EQ(j["hooks"]["PreToolUse"][1]["matcher"], "*");
  EXPECT_EQ(j["permissions"]["allow"][0], "Bash(ls *)");
  EXPECT_EQ(j["model"], "x");
  EXPECT_LT(slurp(path_).find("\"permissions\""), slurp(path_).find("\"model\"")) << "key order kept";
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "the file's mode is kept";

  // A crash left it there: the next start replaces it rather than adding a second.
  ASSERT_TRUE(install_user_hook(path_.string(), cmd_, 150));
  EXPECT_EQ(ours(nlohmann::json::parse(slurp(path_))), 1u);

  ASSERT_TRUE(remove_user_hook(path_.string()));
  EXPECT_EQ(nlohmann::json::parse(slurp(path_)), nlohmann::json::parse(original)) << "back to what the user had";
  const auto before = slurp(path_);
  ASSERT_TRUE(remove_user_hook(path_.string()));
  EXPECT_EQ(slurp(path_), before) << "nothing of ours: not rewritten";
}

TEST_F(UserHook, CreatesAMissingFilePrivateAndLeavesNoEmptyHooksBehind) {
  ASSERT_TRUE(install_user_hook(path_.string(), cmd_, 150));
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(remove_user_hook(path_.string()));
  EXPECT_EQ(nlohmann::json::parse(slurp(path_)), nlohmann::json::object());
}

TEST_F(UserHook, NeverRewritesAFileItCannotRead) {
  fs::create_directories(path_.parent_path());
  for (const std::string& bad : {std::string("{ \"permissions\": "), std::string("[1]"),
                                std::string(R"j({"hooks": {"PreToolUse": "not a list"}})j")}) {
    std::ofstream(path_, std::ios::trunc) << bad;
    EXPECT_FALSE(install_user_hook(path_.string(), cmd_, 150)) << bad;
    EXPECT_EQ(slurp(path_), bad) << "left untouched";
    EXPECT_FALSE(remove_user_hook(path_.string())) << bad;
    EXPECT_EQ(slurp(path_), bad);
  }
}

std::size_t files_in(const fs::path& folder) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(folder)) ++n;
  return n;
}

TEST_F(UserHook, ALinkedSettingsFileStaysALinkAndNoTemporaryFileIsLeft) {
  // ~/.claude/settings.json → ~/dotfiles/claude-settings.json, as dotfile managers do it.
  const fs::path dotfiles = dir_->path() / "dotfiles";
  fs::create_directories(dotfiles);
  fs::create_directories(path_.parent_path());
  std::ofstream(dotfiles / "claude-settings.json") << R"j({"model":"x"})j";
  fs::create_symlink(dotfiles / "claude-settings.json", path_);

  ASSERT_TRUE(install_user_hook(path_.string(), cmd_, 150));
  EXPECT_TRUE(fs::is_symlink(path_)) << "the link is kept";
  EXPECT_EQ(ours(nlohmann::json::parse(slurp(dotfiles / "claude-settings.json"))), 1u) << "its target got the hook";
  ASSERT_TRUE(remove_user_hook(path_.string()));
  EXPECT_TRUE(fs::is_symlink(path_));
  EXPECT_EQ(nlohmann::json::parse(slurp(dotfiles / "claude-settings.json")), nlohmann::json::parse(R"j({"model":"x"})j"));
  EXPECT_EQ(files_in(dotfiles), 1u) << "no temporary file left beside it";
  EXPECT_EQ(files_in(path_.parent_path()), 1u);

  fs::remove(dotfiles / "claude-settings.json");
  auto dangling = install_user_hook(path_.string(), cmd_, 150);
  ASSERT_FALSE(dangling) << "a link to nothing is not replaced by a file";
  EXPECT_NE(dangling.error().message.find("link to nothing"), std::string::npos) << dangling.error().message;
  EXPECT_TRUE(fs::is_symlink(path_));
}

TEST_F(UserHook, AWriteByAnotherProgramMeanwhileIsNotUndone) {
  fs::create_directories(path_.parent_path());
  std::ofstream(path_) << R"j({"model":"x"})j";
  // Claude Code (or an editor) saves the file after we read it and before we rename ours.
  int writes = 0;
  ASSERT_TRUE(install_user_hook(path_.string(), cmd_, 150));
  ASSERT_TRUE(detail::update_settings(
      path_.string(),
      [](nlohmann::ordered_json& j) -> Result<bool> {
        j["ours"] = true;
        return true;
      },
      [&] {
        if (writes++ == 0) std::ofstream(path_, std::ios::trunc) << R"j({"model":"y"})j";
      }));
  const auto j = nlohmann::json::parse(slurp(path_));
  EXPECT_EQ(j["model"], "y") << "the other program's write stays";
  EXPECT_EQ(j["ours"], true) << "and our change was made again on top of it";
  EXPECT_EQ(writes, 2);
  EXPECT_EQ(files_in(path_.parent_path()), 1u);

  // A file that never stops changing: given up, and left as the other program wrote it.
  int n = 0;
  auto busy = detail::update_settings(
      path_.string(),
      [](nlohmann::ordered_json& settings) -> Result<bool> {
        settings["more"] = true;
        return true;
      },
      [&] { std::ofstream(path_, std::ios::trunc) << "{\"model\":\"z" << n++ << "\"}"; });
  ASSERT_FALSE(busy);
  EXPECT_EQ(nlohmann::json::parse(slurp(path_)).count("more"), 0u);
  EXPECT_EQ(files_in(path_.parent_path()), 1u);
}

TEST_F(UserHook, TheCommandQuotesEveryPath) {
  const auto c = user_hook_command("/o'b/agent", "/s p/a.sock", "/s/x", 5000);
  EXPECT_EQ(c, "'/o'\\''b/agent' hook --from-user-settings --socket '/s p/a.sock' --secret-file '/s/x' --deadline-ms 5000 "
               "|| exit 2");
}

}  // namespace
}  // namespace bw::agent::hook
