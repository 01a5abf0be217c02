// One rule against one tool call. Three answers: yes, no, and "maybe" — the rule could match
// but the evaluator cannot tell (an unreadable input, a specifier this tool does not take, a
// folder search that may reach a denied file). A maybe never allows; from a deny or ask rule
// it asks. Deny and ask rules read ambiguous cases broadly, allow rules narrowly.
#pragma once

#include <string>
#include <string_view>

#include "bw/claudeperm/permissions.hpp"
#include "shell_split.hpp"

namespace bw::claudeperm::detail {

enum class Tri { kNo, kYes, kMaybe };

enum class Family { kBash, kEdit, kReadFile, kReadFolder, kWebFetch, kAgent, kMcp, kOther };

// The parts of a tool call that rules look at, extracted once.
struct CallView {
  std::string tool;         // as called, with "Task" read as "Agent"
  Family family = Family::kOther;
  bool input_ok = true;     // tool_input is an object holding what this tool's rules need
  std::string path;         // kEdit, kReadFile, kReadFolder: canonical absolute path
  bool glob_escapes = false;  // Glob pattern leaving its folder ("..", "/", "~")
  std::string host;         // kWebFetch: lower-case host
  std::string subagent;     // kAgent: subagent_type
  std::string command;      // kBash: the command, trimmed
  ShellParse shell;         // kBash
};

CallView make_view(const ToolCall& call, const Context& ctx);

// Whether `rule` speaks about this call's tool at all (name, Edit/Read families, MCP server).
// Write/MultiEdit/NotebookEdit(path) rules are read as Edit(path) for deny and ask only.
bool rule_names_tool(const Rule& rule, RuleKind kind, const CallView& call);

// A rule (already known to name the tool) against the call. For Bash this is the deny/ask
// reading: any simple command, or the whole line, matching is a match. `rule_root` is the
// folder a "/p" path pattern of the rule's file starts from (settings_root()).
Tri match_rule(const Rule& rule, RuleKind kind, const CallView& call, const Context& ctx, std::string_view rule_root);

// Where a "/p" path pattern starts, as Claude Code 2.1.330 does it (checked against the CLI,
// cli_agreement_test.cpp): a project or local file's project root; for any other file, the
// folder holding the file (~/.claude for the user's settings.json, the folder of a
// --settings file). Empty when the file's path is not absolute: such patterns then never
// allow, and deny or ask through the project reading only.
std::string settings_root(const SettingsFile& file, const Context& ctx);

// A Bash specifier against one command text: exact, "prefix:*" (legacy, word boundary),
// or "*" wildcards where a single trailing " *" also matches the bare prefix.
bool bash_specifier_matches(std::string_view spec, std::string_view text);

}  // namespace bw::claudeperm::detail
