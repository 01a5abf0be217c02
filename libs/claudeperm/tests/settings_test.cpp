// Settings files: what parses, what is an error (and that errors name the file), and the
// one function with I/O, against real files in a temporary folder.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bw/claudeperm/permissions.hpp"

namespace bw::claudeperm {
namespace {

TEST(ParseRule, Forms) {
  Rule r;
  std::string why;
  ASSERT_TRUE(parse_rule("Bash(npm run test:*)", &r, &why));
  EXPECT_EQ(r.tool, "Bash");
  EXPECT_EQ(r.specifier, "npm run test:*");
  EXPECT_TRUE(r.has_specifier);
  ASSERT_TRUE(parse_rule("  mcp__github__* ", &r, &why));
  EXPECT_EQ(r.tool, "mcp__github__*");
  EXPECT_FALSE(r.has_specifier);
  ASSERT_TRUE(parse_rule("Bash(echo (x))", &r, &why));
  EXPECT_EQ(r.specifier, "echo (x)");
  ASSERT_TRUE(parse_rule("Bash(*)", &r, &why));
  EXPECT_FALSE(r.has_specifier);
}

TEST(ParseRule, Refusals) {
  Rule r;
  std::string why;
  EXPECT_FALSE(parse_rule("", &r, &why));
  EXPECT_FALSE(parse_rule("Bash(", &r, &why));
  EXPECT_FALSE(parse_rule("Bash()", &r, &why));
  EXPECT_FALSE(parse_rule("Bash x", &r, &why));
  EXPECT_FALSE(parse_rule("(x)", &r, &why));
  EXPECT_FALSE(parse_rule(std::string(5000, 'a'), &r, &why));
  EXPECT_FALSE(why.empty());
}

TEST(ParseSettings, ReadsEveryField) {
  const auto f = parse_settings(R"j({"permissions":{"allow":["Read"],"ask":["Bash(git push *)"],"deny":["WebFetch"],
    "additionalDirectories":["../lib"],"defaultMode":"acceptEdits"}, "hooks":{}})j", Source::kUser, "u.json");
  EXPECT_TRUE(f.error.empty()) << f.error;
  ASSERT_EQ(f.allow.size(), 1u);
  ASSERT_EQ(f.ask.size(), 1u);
  ASSERT_EQ(f.deny.size(), 1u);
  EXPECT_EQ(f.additional_directories.at(0), "../lib");
  EXPECT_EQ(f.default_mode, "acceptEdits");
}

TEST(ParseSettings, ErrorsNameFileAndField) {
  const auto f = parse_settings(R"j({"permissions":{"allow":"Bash","deny":["Bash(rm *)", 3]}})j", Source::kProject,
                                "/p/.claude/settings.json");
  EXPECT_NE(f.error.find("/p/.claude/settings.json"), std::string::npos) << f.error;
  EXPECT_NE(f.error.find("permissions.allow"), std::string::npos) << f.error;
  EXPECT_NE(f.error.find("permissions.deny[1]"), std::string::npos) << f.error;
  EXPECT_EQ(f.deny.size(), 1u) << "the deny rule that parsed is kept";
}

TEST(ParseSettings, NotJsonOrNotObject) {
  EXPECT_NE(parse_settings("{", Source::kUser, "a").error.find("not valid JSON"), std::string::npos);
  EXPECT_NE(parse_settings("[]", Source::kUser, "a").error.find("not a JSON object"), std::string::npos);
  EXPECT_NE(parse_settings(R"j({"permissions":[]})j", Source::kUser, "a").error.find("permissions"), std::string::npos);
  EXPECT_TRUE(parse_settings("{}", Source::kUser, "a").error.empty());
  EXPECT_TRUE(parse_settings("{ // comment\n}", Source::kUser, "a").error.empty());
}

TEST(ParseSettings, ManagedOnlyFlagHonouredForManagedFiles) {
  const char* text = R"j({"allowManagedPermissionRulesOnly":true})j";
  EXPECT_TRUE(parse_settings(text, Source::kManaged, "m").allow_managed_rules_only);
  EXPECT_FALSE(parse_settings(text, Source::kProject, "p").allow_managed_rules_only);
}

class LoadSettings : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/claudeperm_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::remove((dir_ + "/s.json").c_str());
    rmdir((dir_ + "/sub").c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(LoadSettings, MissingFileIsEmptyAndValid) {
  const auto f = load_settings_file(dir_ + "/absent.json", Source::kUser);
  EXPECT_TRUE(f.error.empty()) << f.error;
  EXPECT_TRUE(f.allow.empty());
}

TEST_F(LoadSettings, ReadsAFile) {
  std::ofstream(dir_ + "/s.json") << R"j({"permissions":{"deny":["Bash(rm *)"]}})j";
  const auto f = load_settings_file(dir_ + "/s.json", Source::kLocal);
  EXPECT_TRUE(f.error.empty()) << f.error;
  ASSERT_EQ(f.deny.size(), 1u);
  EXPECT_EQ(f.source, Source::kLocal);
  EXPECT_EQ(f.path, dir_ + "/s.json");
}

TEST_F(LoadSettings, FolderIsAnError) {
  ASSERT_EQ(mkdir((dir_ + "/sub").c_str(), 0700), 0);
  const auto f = load_settings_file(dir_ + "/sub", Source::kUser);
  EXPECT_NE(f.error.find(dir_ + "/sub"), std::string::npos) << f.error;
}

TEST_F(LoadSettings, UnreadableIsAnError) {
  if (geteuid() == 0) {
    // root reads any file; prove the error path with a folder instead (EISDIR).
    ASSERT_EQ(mkdir((dir_ + "/sub").c_str(), 0700), 0);
    EXPECT_FALSE(load_settings_file(dir_ + "/sub", Source::kUser).error.empty());
    return;
  }
  std::ofstream(dir_ + "/s.json") << "{}";
  ASSERT_EQ(chmod((dir_ + "/s.json").c_str(), 0), 0);
  const auto f = load_settings_file(dir_ + "/s.json", Source::kUser);
  EXPECT_NE(f.error.find("cannot open"), std::string::npos) << f.error;
}

}  // namespace
}  // namespace bw::claudeperm
