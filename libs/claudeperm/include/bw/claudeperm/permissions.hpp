// Claude Code permission rules, evaluated the way Claude Code documents them, for the
// approval hook (DESIGN §5, issue 6). Pure: no I/O apart from load_settings_file().
//
// Guarantees (evaluate):
//  - Order: deny, then the built-in always-ask cases (writes to .claude/, ~/.claude/, .git/,
//    Claude Code's sensitive files such as shell startup files, .gitconfig, .vscode/; `rm` of
//    a critical folder; any use of the agent's state folder), then ask, then allow; the first match
//    in that order decides, whatever the rules' specificity. Nothing matched → kNone (the
//    hook asks the phone).
//  - Deny and ask rules count from every file. Allow rules count from managed, user and
//    agent files always, from project and local files only when the project is trusted.
//  - Fail towards asking: a malformed settings file or rule turns every call that no deny
//    rule denies into kAsk; a call whose input cannot be read (not a JSON object, missing
//    command or path, unparsable URL) is denied by a bare-name deny rule or else asked.
//  - Where Claude Code's behaviour is ambiguous, deny and ask rules take the broader reading
//    and allow rules the narrower one (docs/security.md, "Permission rules").
//  - Paths are canonicalised lexically ("..", ".", "//"); symlinks are the caller's business
//    (resolve them before calling, the evaluator never touches the file system).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bw::claudeperm {

// Where a settings file comes from. Managed, user and agent files are the user's (or their
// administrator's) own; project and local files arrive with the repository.
enum class Source { kManaged, kUser, kProject, kLocal, kAgent };
std::string_view source_name(Source s);

enum class RuleKind { kAllow, kAsk, kDeny };

// One permission rule as written ("Bash(npm run test *)"), split into tool and specifier.
struct Rule {
  std::string text;        // as written, for the decision log
  std::string tool;        // "Bash", "Edit", "mcp__github", ...
  std::string specifier;   // inside the parentheses; empty for a bare tool name
  bool has_specifier = false;
};

// Parses "Tool" or "Tool(specifier)". Returns false (and sets *why) for anything else.
bool parse_rule(std::string_view text, Rule* out, std::string* why);

// One settings file's `permissions` object. `error` non-empty means the file could not be
// read or is malformed; the rules that did parse are kept (deny rules still deny).
struct SettingsFile {
  Source source = Source::kUser;
  std::string path;                         // for messages and the decision log
  std::string error;                        // "<path>: <reason>", empty when fine
  std::vector<Rule> allow, ask, deny;
  std::vector<std::string> additional_directories;
  std::string default_mode;
  bool allow_managed_rules_only = false;    // allowManagedPermissionRulesOnly (managed only)
};

// Parses a settings file's text (JSON; // comments tolerated). Never throws.
SettingsFile parse_settings(std::string_view json_text, Source source, std::string path);

// Reads and parses the file at `path`. A missing file is an empty, valid file (that scope is
// simply not configured); an unreadable or oversized file sets `error`.
SettingsFile load_settings_file(const std::string& path, Source source);

// The tool call, as the PreToolUse hook receives it.
struct ToolCall {
  std::string tool_name;
  std::string tool_input_json;  // the tool_input object, as JSON text
};

struct Context {
  std::string cwd;              // absolute; relative rule paths and tool paths resolve here
  std::string project_dir;      // absolute; "/path" rules and the project's .claude/, .git/
  std::string home;             // absolute; "~/path" rules and ~/.claude/
  std::string agent_state_dir;  // absolute; the agent's own files (always ask); may be empty
  bool project_trusted = false; // marked trusted on the agent
};

enum class Decision { kAllow, kDeny, kAsk, kNone };
std::string_view decision_name(Decision d);

struct Verdict {
  Decision decision = Decision::kNone;
  std::string rule;    // the deciding rule(s) as written, or "(built-in) ..."; empty for kNone
  std::string file;    // the settings file the rule came from; empty for built-ins and kNone
  std::string reason;  // one line for the decision log; never contains the tool input
};

// Evaluates one tool call against the settings files, given in precedence order (managed,
// user, project, local, agent). The first matching rule in that order is the one reported.
Verdict evaluate(const std::vector<SettingsFile>& files, const ToolCall& call, const Context& ctx);

// Claude Code's own default, for a caller that wants it after evaluate() returned kNone:
// read-only tools (Read, NotebookRead, Glob, Grep, LS) need no approval on a path inside
// cwd, the project, or an additionalDirectories entry of a file whose allow rules count.
// False for every other tool, an unreadable input, or a Glob pattern leaving its folder.
bool is_read_inside_workspace(const std::vector<SettingsFile>& files, const ToolCall& call, const Context& ctx);

}  // namespace bw::claudeperm
