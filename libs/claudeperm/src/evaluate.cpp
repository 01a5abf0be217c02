// evaluate(): deny, then the built-in always-ask paths, then ask, then allow, over every
// settings file (see permissions.hpp for the contract, docs/security.md for the reasoning).
//
// Invariants:
//  - Nothing reaches kAllow unless an allow rule from a file that counts matched, no deny or
//    ask rule matched or might have matched, no settings file is malformed, the input was
//    readable, and the call does not write to a protected place.
//  - For Bash, every simple command of the line (inner $(…) commands included) must be
//    matched by an allow rule, and none may hold a substitution or a file redirection,
//    unless a bare "Bash" rule allows every command.
#include <algorithm>
#include <array>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "bw/claudeperm/permissions.hpp"
#include "path_glob.hpp"
#include "rule_match.hpp"

namespace bw::claudeperm {
namespace {

using detail::CallView;
using detail::Family;
using detail::Tri;

const std::vector<Rule>& rules_of(const SettingsFile& f, RuleKind kind) {
  return kind == RuleKind::kDeny ? f.deny : kind == RuleKind::kAsk ? f.ask : f.allow;
}

struct Hit {
  const Rule* rule = nullptr;
  const SettingsFile* file = nullptr;
  Tri how = Tri::kNo;
};

// The first rule of `kind` that matches (kYes), else the first that might (kMaybe).
Hit first_hit(const std::vector<SettingsFile>& files, RuleKind kind, const CallView& call, const Context& ctx) {
  Hit maybe;
  for (const SettingsFile& f : files) {
    for (const Rule& r : rules_of(f, kind)) {
      if (!detail::rule_names_tool(r, kind, call)) continue;
      const Tri t = detail::match_rule(r, kind, call, ctx, detail::settings_root(f, ctx));
      if (t == Tri::kYes) return {&r, &f, Tri::kYes};
      if (t == Tri::kMaybe && maybe.rule == nullptr) maybe = {&r, &f, Tri::kMaybe};
    }
  }
  return maybe;
}

bool allow_counts(const SettingsFile& f, const Context& ctx, bool managed_only) {
  if (managed_only) return f.source == Source::kManaged;
  if (f.source == Source::kProject || f.source == Source::kLocal) return ctx.project_trusted;
  return true;
}

std::vector<std::string> protected_dirs(const Context& ctx) {
  std::vector<std::string> dirs;
  for (const std::string* root : {&ctx.project_dir, &ctx.cwd}) {
    if (root->empty()) continue;
    dirs.push_back(detail::canonical_path(".claude", *root, ctx.home));
    dirs.push_back(detail::canonical_path(".git", *root, ctx.home));
  }
  if (!ctx.home.empty()) dirs.push_back(detail::canonical_path(".claude", ctx.home, ctx.home));
  if (!ctx.agent_state_dir.empty()) dirs.push_back(detail::canonical_path(ctx.agent_state_dir, "/", ctx.home));
  return dirs;
}

bool in_protected(const std::string& path, const std::vector<std::string>& dirs) {
  for (const std::string& d : dirs) {
    if (detail::is_within(path, d)) return true;
  }
  return false;
}

// Writes that always ask: Edit-family paths, Bash redirections into a protected folder, and
// any Bash line that names one (Bash writes cannot be told from reads; we ask for both).
// Reads of the agent's state folder (its keys and tokens) ask too: a folder search that
// covers it, or a read inside it.
bool reads_agent_state(const CallView& call, const Context& ctx) {
  if (ctx.agent_state_dir.empty()) return false;
  const std::string state = detail::canonical_path(ctx.agent_state_dir, "/", ctx.home);
  if (call.family == Family::kReadFile) return detail::is_within(call.path, state);
  if (call.family == Family::kReadFolder) {
    return detail::is_within(call.path, state) || detail::is_within(state, call.path) || call.glob_escapes;
  }
  return false;
}

// Claude Code's own "sensitive files": an edit of one is asked for whatever the allow rules
// say ("Claude requested permissions to edit … which is a sensitive file"; seen with 2.1.330
// for ~/.bashrc, ~/.gitconfig, <project>/.bashrc and <project>/.vscode/settings.json). The
// rest of the list follows the write protections its sandbox documents (shell startup files,
// .mcp.json, .vscode/.idea): asking for more than Claude Code does is safe, less is not.
constexpr std::array<std::string_view, 16> kSensitiveNames = {
    ".bashrc",  ".bash_profile", ".bash_login", ".bash_logout", ".profile",   ".zshrc",
    ".zshenv",  ".zprofile",     ".zlogin",     ".zlogout",     ".cshrc",     ".tcshrc",
    ".kshrc",   ".gitconfig",    ".gitmodules", ".mcp.json"};
constexpr std::array<std::string_view, 2> kSensitiveDirs = {".vscode", ".idea"};

bool is_sensitive_file(std::string_view path) {
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    const bool last = end == path.size();
    if (last && std::find(kSensitiveNames.begin(), kSensitiveNames.end(), part) != kSensitiveNames.end()) return true;
    if (!last && std::find(kSensitiveDirs.begin(), kSensitiveDirs.end(), part) != kSensitiveDirs.end()) return true;
    start = end + 1;
  }
  return false;
}

// `rm` of a critical folder — "/", a top-level folder, home or a folder above it — is asked
// for whatever the allow rules say, as Claude Code 2.1.330 does ("Dangerous rm operation
// detected … cannot be auto-allowed by permission rules", seen for `rm -rf ~`).
bool removes_critical_folder(const std::string& plain, const Context& ctx) {
  std::istringstream words(plain);
  std::string word;
  if (!(words >> word) || (word != "rm" && word != "rmdir")) return false;
  while (words >> word) {
    if (word.empty() || word[0] == '-') continue;
    if (word.find("$HOME") != std::string::npos || word.find("${HOME}") != std::string::npos || word == "*" ||
        word == "/*" || word == "~/*") {
      return true;
    }
    if (ctx.cwd.empty() || ctx.home.empty()) return true;  // nothing to resolve against: ask
    const std::string p = detail::canonical_path(word, ctx.cwd, ctx.home);
    if (std::count(p.begin(), p.end(), '/') <= 1 || detail::is_within(ctx.home, p)) return true;
  }
  return false;
}

bool always_asks(const CallView& call, const Context& ctx) {
  const auto dirs = protected_dirs(ctx);
  if (call.family == Family::kEdit) return in_protected(call.path, dirs) || is_sensitive_file(call.path);
  if (call.family == Family::kReadFile || call.family == Family::kReadFolder) return reads_agent_state(call, ctx);
  if (call.family != Family::kBash) return false;
  std::vector<std::string> needles = {".claude", ".git/hooks", ".git/config", "core.hooksPath", "core.hookspath"};
  for (std::string_view n : kSensitiveNames) needles.emplace_back(n);
  for (std::string_view d : kSensitiveDirs) needles.push_back(std::string(d) + "/");
  if (!ctx.agent_state_dir.empty()) {
    needles.push_back(ctx.agent_state_dir);
    if (!ctx.home.empty() && detail::is_within(ctx.agent_state_dir, ctx.home) && ctx.agent_state_dir != ctx.home) {
      needles.push_back("~" + ctx.agent_state_dir.substr(ctx.home.size()));
    }
  }
  auto names_protected = [&](const std::string& text) {
    for (const std::string& n : needles) {
      if (text.find(n) != std::string::npos) return true;
    }
    return false;
  };
  if (names_protected(call.command)) return true;
  for (const auto& c : call.shell.commands) {
    if (names_protected(c.plain)) return true;  // .cla""ude, \.claude
    if (removes_critical_folder(c.plain, ctx)) return true;
    for (const std::string& target : c.redirect_targets) {
      const std::string resolved = detail::canonical_path(target, ctx.cwd, ctx.home);
      if (in_protected(resolved, dirs) || is_sensitive_file(resolved)) return true;
    }
  }
  return false;
}

Verdict verdict(Decision d, const Hit& hit, std::string reason) {
  Verdict v;
  v.decision = d;
  if (hit.rule != nullptr) {
    v.rule = hit.rule->text;
    v.file = hit.file->path;
  }
  v.reason = std::move(reason);
  return v;
}

// Bash allow: each simple command needs its own matching allow rule.
Verdict bash_allow(const std::vector<SettingsFile>& files, const CallView& call, const Context& ctx,
                   bool managed_only) {
  std::vector<Hit> used;
  for (const auto& cmd : call.shell.commands) {
    Hit found;
    for (const SettingsFile& f : files) {
      if (!allow_counts(f, ctx, managed_only)) continue;
      for (const Rule& r : f.allow) {
        if (!detail::rule_names_tool(r, RuleKind::kAllow, call) || !r.has_specifier) continue;
        if (!cmd.allow_blocked && detail::bash_specifier_matches(r.specifier, cmd.allow_text)) {
          found = {&r, &f, Tri::kYes};
          break;
        }
      }
      if (found.rule != nullptr) break;
    }
    if (found.rule == nullptr) {
      return verdict(Decision::kNone, {}, "no allow rule matches every command of the line");
    }
    used.push_back(found);
  }
  if (used.empty() || !call.shell.complete) return verdict(Decision::kNone, {}, "command could not be split");
  Verdict v = verdict(Decision::kAllow, used.front(), "every command matched an allow rule");
  for (std::size_t i = 1; i < used.size(); ++i) {
    if (v.rule.find(used[i].rule->text) == std::string::npos) v.rule += " + " + used[i].rule->text;
    if (v.file.find(used[i].file->path) == std::string::npos) v.file += " + " + used[i].file->path;
  }
  return v;
}

Verdict allow_pass(const std::vector<SettingsFile>& files, const CallView& call, const Context& ctx) {
  bool managed_only = false;
  for (const SettingsFile& f : files) managed_only = managed_only || f.allow_managed_rules_only;
  // A bare tool-name rule allows every use of the tool (and "Edit"/"Read" their families).
  for (const SettingsFile& f : files) {
    if (!allow_counts(f, ctx, managed_only)) continue;
    for (const Rule& r : f.allow) {
      if (!r.has_specifier && detail::rule_names_tool(r, RuleKind::kAllow, call)) {
        return verdict(Decision::kAllow, {&r, &f, Tri::kYes}, "allow rule names the tool");
      }
    }
  }
  if (call.family == Family::kBash) return bash_allow(files, call, ctx, managed_only);
  for (const SettingsFile& f : files) {
    if (!allow_counts(f, ctx, managed_only)) continue;
    for (const Rule& r : f.allow) {
      if (!detail::rule_names_tool(r, RuleKind::kAllow, call)) continue;
      if (detail::match_rule(r, RuleKind::kAllow, call, ctx, detail::settings_root(f, ctx)) == Tri::kYes) {
        return verdict(Decision::kAllow, {&r, &f, Tri::kYes}, "allow rule matches");
      }
    }
  }
  return verdict(Decision::kNone, {}, "no rule matches");
}

}  // namespace

Verdict evaluate(const std::vector<SettingsFile>& files, const ToolCall& call, const Context& ctx) {
  const CallView view = detail::make_view(call, ctx);

  const Hit deny = first_hit(files, RuleKind::kDeny, view, ctx);
  if (deny.how == Tri::kYes) return verdict(Decision::kDeny, deny, "deny rule matches");

  if (view.input_ok && always_asks(view, ctx)) {
    return verdict(Decision::kAsk, {},
                   "(built-in) writes to .claude/, ~/.claude/, .git/ and sensitive files, rm of a critical folder, "
                   "and any use of the agent's files always ask");
  }
  if (deny.how == Tri::kMaybe) {
    return verdict(Decision::kAsk, deny, "deny rule may match; the evaluator cannot tell, so it asks");
  }
  const Hit ask = first_hit(files, RuleKind::kAsk, view, ctx);
  if (ask.rule != nullptr) {
    return verdict(Decision::kAsk, ask, ask.how == Tri::kYes ? "ask rule matches" : "ask rule may match");
  }
  for (const SettingsFile& f : files) {
    if (!f.error.empty()) return verdict(Decision::kAsk, {}, "malformed settings file, allow rules ignored: " + f.error);
  }
  if (!view.input_ok && view.family != Family::kMcp && view.family != Family::kOther &&
      view.family != Family::kAgent) {
    return verdict(Decision::kAsk, {}, "tool input could not be read");
  }
  return allow_pass(files, view, ctx);
}

bool is_read_inside_workspace(const std::vector<SettingsFile>& files, const ToolCall& call, const Context& ctx) {
  const CallView view = detail::make_view(call, ctx);
  if (!view.input_ok || view.glob_escapes) return false;
  if (view.family != Family::kReadFile && view.family != Family::kReadFolder) return false;
  if (reads_agent_state(view, ctx)) return false;
  std::vector<std::string> roots = {detail::canonical_path(ctx.cwd, "/", ctx.home),
                                    detail::canonical_path(ctx.project_dir, "/", ctx.home)};
  bool managed_only = false;
  for (const SettingsFile& f : files) managed_only = managed_only || f.allow_managed_rules_only;
  for (const SettingsFile& f : files) {
    if (!allow_counts(f, ctx, managed_only)) continue;
    for (const std::string& d : f.additional_directories) roots.push_back(detail::canonical_path(d, ctx.cwd, ctx.home));
  }
  for (const std::string& root : roots) {
    if (root != "/" && detail::is_within(view.path, root)) return true;
  }
  return false;
}

}  // namespace bw::claudeperm
