// The evaluator against the real Claude Code CLI (issue 6): every case of cases.hpp that the
// CLI can decide by itself is run through `claude -p` with the case's settings files and no
// hook, the scripted model making the case's tool call, and what Claude Code did must match
// what the evaluator decides — or, for a documented divergence, exactly what the notes in
// cases.cpp say Claude Code does (Breakwater being the stricter one).
//
// How a case is run and its outcome read: cli_case_run.hpp.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bw/claudeperm/permissions.hpp"
#include "bw/testing/temp_dir.hpp"
#include "cases.hpp"
#include "cli_case_run.hpp"

namespace bw::claudeperm::testcases {
namespace {

namespace fs = std::filesystem;

constexpr int kParallelRuns = 4;

// The evaluator's decision, as the CLI would show it: a kNone read inside the workspace is
// let through by Claude Code's default, and by the agent (is_read_inside_workspace).
struct Expected {
  Verdict verdict;
  CliOutcome outcome;
};
Expected evaluate_in(const Case& c, const World& w) {
  std::vector<SettingsFile> files;
  for (const File& f : c.files) files.push_back(parse_settings(w.rewrite(f.json), f.source, w.file_of(f.source)));
  Context ctx{w.rewrite(c.cwd), w.project.string(), w.home.string(), (w.home / ".local/state/breakwater").string(),
              c.trusted};
  const ToolCall call{c.tool, w.rewrite(c.input)};
  Expected e{evaluate(files, call, ctx), CliOutcome::kNeedsPermission};
  switch (e.verdict.decision) {
    case Decision::kAllow: e.outcome = CliOutcome::kRan; break;
    case Decision::kDeny: e.outcome = CliOutcome::kDenied; break;
    case Decision::kAsk: break;
    case Decision::kNone:
      if (is_read_inside_workspace(files, call, ctx)) e.outcome = CliOutcome::kRan;
      break;
  }
  return e;
}

std::vector<Case> checked_cases() {
  std::vector<Case> out;
  for (const Case& c : cases()) {
    if (cli_check(c).checked) out.push_back(c);
  }
  return out;
}

std::string describe_files(const Case& c) {
  std::string s;
  for (const File& f : c.files) s += "  " + std::string(source_name(f.source)) + ": " + f.json + "\n";
  return s.empty() ? "  (no settings files)\n" : s;
}

class CliAgreement : public ::testing::TestWithParam<Case> {
 public:
  // All runs happen here, kParallelRuns at a time; the tests then only compare.
  static void SetUpTestSuite() {
    auto scratch = testing::TempDir::create("bw-cliagree-");
    ASSERT_TRUE(scratch.ok()) << scratch.error().message;
    scratch_ = new testing::TempDir(std::move(scratch).value());
    const fs::path root = fs::canonical(scratch_->path());
    const std::vector<Case> all = selected_cases();
    RefusingPort refusing;
    std::atomic<std::size_t> next{0};
    std::mutex mu;
    auto worker = [&] {
      for (std::size_t i = next++; i < all.size(); i = next++) {
        Observation o = run_case_in_claude_code(all[i], root / std::to_string(i), refusing.port());
        std::lock_guard<std::mutex> lock(mu);
        observations_[all[i].name] = std::move(o);
      }
    };
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < kParallelRuns; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ cli      ] %zu cases (of %zu checkable, %zu in the table) run through claude -p in %.1f s, %d at a time\n",
                all.size(), checked_cases().size(), cases().size(), total, kParallelRuns);
  }
  // The checked cases whose test will run (--gtest_filter and sharding pick a few quickly).
  static std::vector<Case> selected_cases() {
    std::set<std::string> run;
    const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    for (int i = 0; suite != nullptr && i < suite->total_test_count(); ++i) {
      const ::testing::TestInfo* info = suite->GetTestInfo(i);
      const std::string name = info->name();
      if (info->should_run()) run.insert(name.substr(name.find('/') + 1));
    }
    std::vector<Case> out;
    for (const Case& c : checked_cases()) {
      if (run.count(c.name) != 0) out.push_back(c);
    }
    return out;
  }
  static void TearDownTestSuite() {
    delete scratch_;
    scratch_ = nullptr;
  }

 protected:
  static const Observation* observed(const Case& c) {
    auto it = observations_.find(c.name);
    return it == observations_.end() ? nullptr : &it->second;
  }

 private:
  static inline testing::TempDir* scratch_ = nullptr;
  static inline std::map<std::string, Observation> observations_;
};

TEST_P(CliAgreement, ClaudeCodeDecidesAsTheEvaluator) {
  const Case& c = GetParam();
  const Observation* o = observed(c);
  ASSERT_NE(o, nullptr);
  const World w{"/w/u", "/w/u/proj"};  // the evaluator needs no files: any world will do
  const Expected ours = evaluate_in(c, w);
  ASSERT_EQ(ours.verdict.decision, c.want) << "the path rewrite changed the evaluator's decision";
  const CliCheck check = cli_check(c);
  const std::string what = std::string(c.name) + " (" + c.tool + " " + c.input.substr(0, 200) + ", cwd " + c.cwd +
                           (c.trusted ? ", trusted" : ", untrusted") + ")\n" + describe_files(c) +
                           "evaluator: " + std::string(decision_name(ours.verdict.decision)) + " → expects " +
                           std::string(outcome_name(ours.outcome)) + " (" + ours.verdict.reason + ")\n";
  ASSERT_TRUE(o->outcome) << what << "Claude Code's outcome could not be read; tool_result: " << o->tool_result << "\n"
                          << o->detail;
  const std::string seen = "Claude Code: " + std::string(outcome_name(*o->outcome)) + " — \"" +
                           o->tool_result.substr(0, 300) + "\" (" + std::to_string(o->seconds) + " s)\n";
  if (!check.divergence) {
    EXPECT_EQ(outcome_name(*o->outcome), outcome_name(ours.outcome)) << what << seen;
    return;
  }
  // A documented divergence: Claude Code does exactly what the note says, the evaluator still
  // differs, and only ever in the stricter direction.
  EXPECT_EQ(outcome_name(*o->outcome), outcome_name(*check.divergence))
      << what << seen << "documented: " << check.divergence_why;
  EXPECT_NE(ours.outcome, *check.divergence) << what << seen << "no longer diverges: remove the note";
  EXPECT_NE(ours.outcome, CliOutcome::kRan) << what << seen << "the evaluator may never be the more permissive";
}

INSTANTIATE_TEST_SUITE_P(ClaudeCode, CliAgreement, ::testing::ValuesIn(checked_cases()),
                         [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace bw::claudeperm::testcases
