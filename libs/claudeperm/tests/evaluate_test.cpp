// The table of cases (cases.hpp) against the evaluator, plus a few single-purpose checks.
// The same cases are run against the real Claude Code CLI in cli_agreement_test.cpp.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bw/claudeperm/permissions.hpp"
#include "cases.hpp"

namespace bw::claudeperm {
namespace {

using testcases::Case;
using testcases::cases;
using testcases::File;
using testcases::file_name;

std::string bash(const char* cmd) { return nlohmann::json{{"command", cmd}}.dump(); }
std::string path(const char* p) { return nlohmann::json{{"file_path", p}}.dump(); }
std::string folder(const char* p) { return nlohmann::json{{"pattern", "foo"}, {"path", p}}.dump(); }

class Evaluate : public ::testing::TestWithParam<Case> {};

TEST_P(Evaluate, MatchesDocumentedBehaviour) {
  const Case& c = GetParam();
  std::vector<SettingsFile> files;
  for (const File& f : c.files) {
    files.push_back(parse_settings(f.json, f.source, file_name(f.source)));
  }
  Context ctx;
  ctx.cwd = c.cwd;
  ctx.project_dir = "/home/u/proj";
  ctx.home = "/home/u";
  ctx.agent_state_dir = "/home/u/.local/state/breakwater";
  ctx.project_trusted = c.trusted;
  const Verdict v = evaluate(files, {c.tool, c.input}, ctx);
  EXPECT_EQ(decision_name(v.decision), decision_name(c.want)) << c.doc << "\nreason: " << v.reason
                                                              << "\nrule: " << v.rule;
  if (c.want_rule != nullptr) {
    EXPECT_NE(v.rule.find(c.want_rule), std::string::npos) << "rule: " << v.rule;
  }
  if (v.decision == Decision::kNone) {
    EXPECT_TRUE(v.rule.empty());
  }
  if (!v.rule.empty() && v.rule.rfind("(built-in)", 0) != 0) {
    EXPECT_FALSE(v.file.empty()) << "a rule's file is named for the decision log";
  }
}

INSTANTIATE_TEST_SUITE_P(ClaudeCodeDocs, Evaluate, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

TEST(Evaluate, TableHasAtLeastSixtyCases) { EXPECT_GE(cases().size(), 60u); }

TEST(Evaluate, CliNotesNameExistingCases) { EXPECT_EQ(testcases::cli_notes_without_case(), std::vector<std::string>{}); }

TEST(Evaluate, DecidingFileIsNamed) {
  std::vector<SettingsFile> files = {
      parse_settings(R"j({"permissions":{"deny":["Bash(rm *)"]}})j", Source::kUser, "/u/settings.json")};
  const Verdict v = evaluate(files, {"Bash", bash("rm -rf x")}, {"/p", "/p", "/u", "", true});
  EXPECT_EQ(v.decision, Decision::kDeny);
  EXPECT_EQ(v.rule, "Bash(rm *)");
  EXPECT_EQ(v.file, "/u/settings.json");
}

TEST(Evaluate, MalformedReasonNamesFile) {
  std::vector<SettingsFile> files = {parse_settings("{", Source::kLocal, "/p/.claude/settings.local.json")};
  const Verdict v = evaluate(files, {"Bash", bash("ls")}, {"/p", "/p", "/u", "", true});
  EXPECT_EQ(v.decision, Decision::kAsk);
  EXPECT_NE(v.reason.find("/p/.claude/settings.local.json"), std::string::npos) << v.reason;
}

TEST(Evaluate, ReasonNeverEchoesToolInput) {
  std::vector<SettingsFile> files = {parse_settings(R"j({"permissions":{"allow":["Bash(x *)"]}})j", Source::kUser, "u")};
  const Verdict v = evaluate(files, {"Bash", bash("echo SECRET-TOKEN-123")}, {"/p", "/p", "/u", "", true});
  EXPECT_EQ(v.reason.find("SECRET-TOKEN-123"), std::string::npos);
  EXPECT_EQ(v.rule.find("SECRET-TOKEN-123"), std::string::npos);
}

Context read_ctx() { return {"/home/u/proj/sub", "/home/u/proj", "/home/u", "", false}; }

TEST(ReadInsideWorkspace, InsideCwdOrProject) {
  EXPECT_TRUE(is_read_inside_workspace({}, {"Read", path("/home/u/proj/a.txt")}, read_ctx()));
  EXPECT_TRUE(is_read_inside_workspace({}, {"Grep", folder("/home/u/proj/sub/x")}, read_ctx()));
  EXPECT_TRUE(is_read_inside_workspace({}, {"Glob", R"j({"pattern":"**/*.c"})j"}, read_ctx()));
}

TEST(ReadInsideWorkspace, OutsideOrEscaping) {
  EXPECT_FALSE(is_read_inside_workspace({}, {"Read", path("/home/u/.ssh/id_ed25519")}, read_ctx()));
  EXPECT_FALSE(is_read_inside_workspace({}, {"Read", path("/home/u/proj/../.ssh/id_ed25519")}, read_ctx()));
  EXPECT_FALSE(is_read_inside_workspace({}, {"Glob", R"j({"pattern":"../../**"})j"}, read_ctx()));
  EXPECT_FALSE(is_read_inside_workspace({}, {"Edit", path("/home/u/proj/a.txt")}, read_ctx()));
  EXPECT_FALSE(is_read_inside_workspace({}, {"Bash", bash("cat a.txt")}, read_ctx()));
  Context with_state = read_ctx();
  with_state.project_dir = "/home/u";
  with_state.agent_state_dir = "/home/u/.local/state/breakwater";
  EXPECT_FALSE(is_read_inside_workspace({}, {"Read", path("/home/u/.local/state/breakwater/k")}, with_state));
  EXPECT_TRUE(is_read_inside_workspace({}, {"Read", path("/home/u/notes.txt")}, with_state));
}

TEST(ReadInsideWorkspace, AdditionalDirectoriesFollowTrust) {
  const std::vector<SettingsFile> user = {
      parse_settings(R"j({"permissions":{"additionalDirectories":["~/lib"]}})j", Source::kUser, "u")};
  const std::vector<SettingsFile> project = {
      parse_settings(R"j({"permissions":{"additionalDirectories":["/"]}})j", Source::kProject, "p")};
  EXPECT_TRUE(is_read_inside_workspace(user, {"Read", path("/home/u/lib/x.h")}, read_ctx()));
  EXPECT_FALSE(is_read_inside_workspace(project, {"Read", path("/etc/shadow")}, read_ctx()));
}

}  // namespace
}  // namespace bw::claudeperm
