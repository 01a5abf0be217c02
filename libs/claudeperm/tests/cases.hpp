// The permission-rule cases shared by the evaluator's table test (evaluate_test.cpp) and the
// check of the same cases against the real Claude Code CLI (cli_agreement_test.cpp).
//
// Each case is drawn from Claude Code's documented permission semantics
// (code.claude.com/docs/en/permissions, /settings) or, where the docs leave a choice, from
// Breakwater's conservative reading (docs/security.md, "Permission rules"); `doc` says which.
// Context: home /home/u, project /home/u/proj, cwd the project unless set; the CLI check
// rewrites those paths to its scratch folders.
//
// cli_check() marks, for every case, whether the real CLI can decide it by itself (no hook,
// no managed settings, a tool the scripted model can call and whose outcome can be seen), and
// where Claude Code is known to differ from the evaluator, what Claude Code does instead.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "bw/claudeperm/permissions.hpp"

namespace bw::claudeperm::testcases {

struct File {
  Source source;
  const char* json;
};

struct Case {
  const char* name;
  const char* doc;
  std::vector<File> files;
  const char* tool;
  std::string input;
  Decision want;
  const char* want_rule = nullptr;  // the deciding rule as written (substring), if any
  bool trusted = true;
  const char* cwd = "/home/u/proj";
};

void PrintTo(const Case& c, std::ostream* os);

inline constexpr std::string_view kHome = "/home/u";
inline constexpr std::string_view kProject = "/home/u/proj";
inline constexpr std::string_view kAgentStateDir = "/home/u/.local/state/breakwater";

// Where each source's file lives in the cases' world (for messages and the decision log).
std::string file_name(Source s);

const std::vector<Case>& cases();

// What Claude Code did with one tool call in -p mode, with nobody to answer a prompt.
enum class CliOutcome {
  kRan,              // it passed Claude Code's permission check (the tool's own result may be an error)
  kDenied,           // refused by a deny rule
  kNeedsPermission,  // refused because it would have asked (an ask rule, or no rule allows it)
};
std::string_view outcome_name(CliOutcome o);

// How a case is checked against the real CLI.
struct CliCheck {
  bool checked = false;
  std::string why_not;                   // unchecked: why the CLI cannot decide it by itself
  std::optional<CliOutcome> divergence;  // checked, and Claude Code knowingly differs: what it does
  std::string divergence_why;            // the divergence explained (Breakwater is stricter)
};
CliCheck cli_check(const Case& c);

// The names cli_check() has a note for that are not cases (a typo there must fail a test).
std::vector<std::string> cli_notes_without_case();

}  // namespace bw::claudeperm::testcases
