// The building blocks under evaluate(): lexical paths, gitignore segments, Bash specifiers and
// the command splitter. Expected values are worked out by hand from the rules in the headers.
#include <gtest/gtest.h>

#include "path_glob.hpp"
#include "rule_match.hpp"
#include "shell_split.hpp"

namespace bw::claudeperm::detail {
namespace {

TEST(CanonicalPath, ResolvesDotsAndSlashes) {
  EXPECT_EQ(canonical_path("a/./b//c/../d", "/w", "/h"), "/w/a/b/d");
  EXPECT_EQ(canonical_path("/x/../../..", "/w", "/h"), "/");
  EXPECT_EQ(canonical_path("~/.claude/../.ssh", "/w", "/h"), "/h/.ssh");
  EXPECT_EQ(canonical_path("../up", "/w/s", "/h"), "/w/up");
}

TEST(CanonicalPath, TildeOnlyAtStart) { EXPECT_EQ(canonical_path("a/~/b", "/w", "/h"), "/w/a/~/b"); }

TEST(IsWithin, NeedsSegmentBoundary) {
  EXPECT_TRUE(is_within("/a/b/c", "/a/b"));
  EXPECT_TRUE(is_within("/a/b", "/a/b"));
  EXPECT_FALSE(is_within("/a/bc", "/a/b"));
  EXPECT_TRUE(is_within("/anything", "/"));
}

TEST(GlobSegment, StarsClassesEscapes) {
  EXPECT_TRUE(glob_segment("*.ts", "a.ts"));
  EXPECT_FALSE(glob_segment("*.ts", "a.tsx"));
  EXPECT_TRUE(glob_segment("a?c", "abc"));
  EXPECT_TRUE(glob_segment("[a-c]x", "bx"));
  EXPECT_FALSE(glob_segment("[!a-c]x", "bx"));
  EXPECT_TRUE(glob_segment("\\*", "*"));
  EXPECT_FALSE(glob_segment("\\*", "a"));
  EXPECT_TRUE(glob_segment("[", "["));
}

PathPattern compile(const char* spec) {
  PathPattern p;
  EXPECT_TRUE(compile_path_pattern(spec, "/proj", "/proj/cwd", "/h", &p));
  return p;
}

TEST(PathPattern, BaseFoldersAreLiteral) {
  PathPattern p;
  ASSERT_TRUE(compile_path_pattern("x", "/proj", "/we*rd", "/h", &p));
  EXPECT_TRUE(match_path(p, "/we*rd/x", false));
  EXPECT_FALSE(match_path(p, "/weXrd/x", false));
}

TEST(PathPattern, FourForms) {
  EXPECT_TRUE(match_path(compile("//etc/*"), "/etc/hosts", false));
  EXPECT_TRUE(match_path(compile("~/a"), "/h/a", false));
  EXPECT_TRUE(match_path(compile("/a"), "/proj/a", false));
  EXPECT_TRUE(match_path(compile("./a"), "/proj/cwd/a", false));
  EXPECT_FALSE(match_path(compile("./a"), "/proj/cwd/sub/a", false));
  EXPECT_TRUE(match_path(compile("a"), "/proj/cwd/sub/a", false));  // no slash: any depth
  EXPECT_FALSE(match_path(compile("a"), "/proj/a", false));         // but only below cwd
}

TEST(PathPattern, AncestorsOnlyWhenAsked) {
  EXPECT_FALSE(match_path(compile("./secrets"), "/proj/cwd/secrets/k", false));
  EXPECT_TRUE(match_path(compile("./secrets"), "/proj/cwd/secrets/k", true));
}

TEST(PathPattern, FolderContents) {
  EXPECT_EQ(match_folder_contents(compile("./src/**"), "/proj/cwd/src/a"), PathMatch::kYes);
  EXPECT_EQ(match_folder_contents(compile("./src/x.env"), "/proj/cwd"), PathMatch::kMaybe);
  EXPECT_EQ(match_folder_contents(compile("./src/x.env"), "/proj/cwd/lib"), PathMatch::kNo);
}

TEST(BashSpecifier, Forms) {
  EXPECT_TRUE(bash_specifier_matches("ls *", "ls"));
  EXPECT_TRUE(bash_specifier_matches("ls *", "ls -la"));
  EXPECT_FALSE(bash_specifier_matches("ls *", "lsof"));
  EXPECT_TRUE(bash_specifier_matches("ls*", "lsof"));
  EXPECT_TRUE(bash_specifier_matches("npm run test:*", "npm run test"));
  EXPECT_FALSE(bash_specifier_matches("npm run test:*", "npm run tests"));
  EXPECT_TRUE(bash_specifier_matches("git * main", "git push origin main"));
  EXPECT_FALSE(bash_specifier_matches("git * main", "git main"));
  EXPECT_TRUE(bash_specifier_matches("echo \\*", "echo *"));
  EXPECT_FALSE(bash_specifier_matches("echo \\*", "echo x"));
  EXPECT_FALSE(bash_specifier_matches("a * b *", "a x"));  // two stars: the trailing one is not optional
}

TEST(ShellSplit, SeparatorsAndQuotes) {
  const ShellParse p = parse_shell("a 'x;y' && b \"p|q\" || c; d | e |& f & g\nh");
  ASSERT_EQ(p.commands.size(), 8u);
  EXPECT_EQ(p.commands[0].raw, "a 'x;y'");
  EXPECT_EQ(p.commands[0].plain, "a x;y");
  EXPECT_EQ(p.commands[1].raw, "b \"p|q\"");
  EXPECT_EQ(p.commands[7].raw, "h");
  EXPECT_TRUE(p.complete);
}

TEST(ShellSplit, SubstitutionListsInnerCommands) {
  const ShellParse p = parse_shell("echo \"$(rm -rf x; id)\" `who`");
  ASSERT_EQ(p.commands.size(), 4u);
  bool outer_blocked = false;
  for (const auto& c : p.commands) {
    if (c.raw.rfind("echo", 0) == 0) outer_blocked = c.allow_blocked;
  }
  EXPECT_TRUE(outer_blocked);
  EXPECT_EQ(p.commands[0].raw, "rm -rf x");
}

TEST(ShellSplit, Redirections) {
  const ShellParse p = parse_shell("make 2>&1 >/dev/null; cat <<EOF; sort < in > out");
  ASSERT_EQ(p.commands.size(), 3u);
  EXPECT_EQ(p.commands[0].allow_text, "make");
  EXPECT_FALSE(p.commands[0].allow_blocked);
  EXPECT_EQ(p.commands[1].allow_text, "cat");
  EXPECT_FALSE(p.commands[1].allow_blocked);
  EXPECT_TRUE(p.commands[2].allow_blocked);
  ASSERT_EQ(p.commands[2].redirect_targets.size(), 2u);
  EXPECT_EQ(p.commands[2].redirect_targets[1], "out");
}

TEST(ShellSplit, AttachedRedirectAndAmpersandGreater) {
  const ShellParse p = parse_shell("echo hi>f &>g");
  ASSERT_EQ(p.commands.size(), 1u);
  EXPECT_TRUE(p.commands[0].allow_blocked);
  ASSERT_EQ(p.commands[0].redirect_targets.size(), 2u);
  EXPECT_EQ(p.commands[0].redirect_targets[0], "f");
}

TEST(ShellSplit, WrappersStrippedFromPlain) {
  EXPECT_EQ(parse_shell("A=1 B=2 timeout -s KILL 5 nice -n 10 rm -rf x").commands[0].plain, "KILL 5 nice -n 10 rm -rf x")
      << "an option's separate argument is not a wrapper argument";
  EXPECT_EQ(parse_shell("A=1 timeout 5s nohup rm x").commands[0].plain, "rm x");
}

TEST(ShellSplit, UnterminatedIsIncomplete) {
  EXPECT_FALSE(parse_shell("echo 'x").complete);
  EXPECT_FALSE(parse_shell("echo $(ls").complete);
  EXPECT_FALSE(parse_shell("echo \"x").complete);
}

TEST(ShellSplit, DeepNestingIsIncomplete) {
  std::string cmd;
  for (int i = 0; i < kMaxDepth + 4; ++i) cmd += "$(";
  EXPECT_FALSE(parse_shell(cmd).complete);
}

}  // namespace
}  // namespace bw::claudeperm::detail
