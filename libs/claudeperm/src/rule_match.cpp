// Matching one rule against one tool call (see rule_match.hpp).
#include "rule_match.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "path_glob.hpp"

namespace bw::claudeperm::detail {
namespace {

// Bounds that keep one evaluation well under the hook's deadline. Past them the input is
// unreadable: a bare deny still denies, anything else asks.
constexpr std::size_t kMaxPathBytes = 4096;        // PATH_MAX
constexpr std::size_t kMaxCommandBytes = 64 * 1024;

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Family family_of(std::string_view tool) {
  if (tool == "Bash") return Family::kBash;
  if (tool == "Edit" || tool == "Write" || tool == "MultiEdit" || tool == "NotebookEdit") return Family::kEdit;
  if (tool == "Read" || tool == "NotebookRead") return Family::kReadFile;
  if (tool == "Glob" || tool == "Grep" || tool == "LS") return Family::kReadFolder;
  if (tool == "WebFetch") return Family::kWebFetch;
  if (tool == "Agent") return Family::kAgent;
  if (tool.substr(0, 5) == "mcp__") return Family::kMcp;
  return Family::kOther;
}

// "https://user@Example.COM.:8443/x" → "example.com"; empty when there is no host.
std::string url_host(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos || scheme == 0) return "";
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#\\"));
  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return "";
    rest = rest.substr(0, close + 1);
  } else {
    rest = rest.substr(0, rest.find(':'));
  }
  while (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  return lower(rest);
}

// Reads the string field `key`; false when absent or not a string.
bool string_field(const nlohmann::json& input, const char* key, std::string* out) {
  auto it = input.find(key);
  if (it == input.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

void fill_path(CallView& v, const nlohmann::json& input, const Context& ctx) {
  std::string raw;
  bool ok = false;
  if (v.family == Family::kReadFolder) {
    ok = string_field(input, "path", &raw) || !input.contains("path");
    if (!input.contains("path")) raw = ctx.cwd;  // Glob and Grep default to cwd
    std::string pattern;
    if (v.tool == "Glob" && string_field(input, "pattern", &pattern)) {
      v.glob_escapes = pattern.find("..") != std::string::npos || pattern.empty() || pattern[0] == '/' ||
                       pattern[0] == '~';
    }
  } else {
    const char* key = (v.tool == "NotebookEdit" || v.tool == "NotebookRead") ? "notebook_path" : "file_path";
    ok = string_field(input, key, &raw);
  }
  if (!ok || raw.empty() || raw.size() > kMaxPathBytes || raw.find('\0') != std::string::npos) {
    v.input_ok = false;
    return;
  }
  v.path = canonical_path(raw, ctx.cwd, ctx.home);
}

bool starts_at_settings_root(std::string_view spec) { return spec.size() >= 1 && spec[0] == '/' && spec.substr(0, 2) != "//"; }

Tri path_rule_from(const Rule& rule, RuleKind kind, const CallView& call, const Context& ctx, std::string_view root) {
  if (starts_at_settings_root(rule.specifier) && root.empty()) return Tri::kMaybe;
  PathPattern pattern;
  if (!compile_path_pattern(rule.specifier, root, ctx.cwd, ctx.home, &pattern)) return Tri::kMaybe;
  if (call.family == Family::kReadFolder) {
    if (kind == RuleKind::kAllow) {
      return !call.glob_escapes && match_path(pattern, call.path, false) ? Tri::kYes : Tri::kNo;
    }
    switch (match_folder_contents(pattern, call.path)) {
      case PathMatch::kYes: return Tri::kYes;
      case PathMatch::kMaybe: return Tri::kMaybe;
      case PathMatch::kNo: return call.glob_escapes ? Tri::kMaybe : Tri::kNo;
    }
  }
  return match_path(pattern, call.path, kind != RuleKind::kAllow) ? Tri::kYes : Tri::kNo;
}

// An allow rule's "/p" starts at its file's root only. Deny and ask rules read broadly: a
// "/p" of a user or agent file also covers p in the project (what the docs once said).
Tri path_rule(const Rule& rule, RuleKind kind, const CallView& call, const Context& ctx, std::string_view rule_root) {
  const Tri own = path_rule_from(rule, kind, call, ctx, rule_root);
  if (kind == RuleKind::kAllow || own == Tri::kYes || !starts_at_settings_root(rule.specifier) ||
      rule_root == ctx.project_dir || ctx.project_dir.empty()) {
    return own;
  }
  const Tri in_project = path_rule_from(rule, kind, call, ctx, ctx.project_dir);
  return in_project == Tri::kNo ? own : in_project;
}

Tri domain_rule(const Rule& rule, RuleKind kind, const CallView& call) {
  constexpr std::string_view kPrefix = "domain:";
  if (rule.specifier.substr(0, kPrefix.size()) != kPrefix) return Tri::kMaybe;
  std::string domain = lower(trim_ws(std::string_view(rule.specifier).substr(kPrefix.size())));
  while (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (domain.empty()) return Tri::kMaybe;
  const std::string& host = call.host;
  auto ends_with = [&](std::string_view suffix) {
    return host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (domain.substr(0, 2) == "*.") return ends_with(std::string_view(domain).substr(1)) ? Tri::kYes : Tri::kNo;
  if (host == domain) return Tri::kYes;
  // Subdomains: Claude Code documents the exact domain; deny and ask also cover subdomains.
  if (kind != RuleKind::kAllow && ends_with("." + domain)) return Tri::kYes;
  return Tri::kNo;
}

Tri bash_rule(const Rule& rule, const CallView& call) {
  if (bash_specifier_matches(rule.specifier, call.command)) return Tri::kYes;
  for (const SimpleCommand& c : call.shell.commands) {
    if (bash_specifier_matches(rule.specifier, c.raw) || bash_specifier_matches(rule.specifier, c.allow_text) ||
        bash_specifier_matches(rule.specifier, c.plain)) {
      return Tri::kYes;
    }
  }
  return call.shell.complete ? Tri::kNo : Tri::kMaybe;
}

// mcp__server, mcp__server__*, mcp__server__tool against the called tool.
bool mcp_names(std::string_view rule_tool, std::string_view called) {
  if (called.substr(0, 5) != "mcp__") return false;
  if (rule_tool == called) return true;
  std::string_view server = rule_tool.substr(5);
  if (server.size() >= 3 && server.substr(server.size() - 3) == "__*") server.remove_suffix(3);
  if (server.empty() || server.find("__") != std::string_view::npos) return false;
  const std::string_view rest = called.substr(5);
  return rest.size() > server.size() + 2 && rest.substr(0, server.size()) == server &&
         rest.substr(server.size(), 2) == "__";
}

}  // namespace

CallView make_view(const ToolCall& call, const Context& ctx) {
  CallView v;
  v.tool = call.tool_name == "Task" ? "Agent" : call.tool_name;
  v.family = family_of(v.tool);
  const auto input = nlohmann::json::parse(call.tool_input_json, nullptr, false);
  if (input.is_discarded() || !input.is_object()) {
    v.input_ok = false;
    return v;
  }
  switch (v.family) {
    case Family::kBash:
      v.input_ok = string_field(input, "command", &v.command);
      v.command = std::string(trim_ws(v.command));
      if (v.command.empty() || v.command.size() > kMaxCommandBytes) v.input_ok = false;
      if (v.input_ok) v.shell = parse_shell(v.command);
      break;
    case Family::kEdit:
    case Family::kReadFile:
    case Family::kReadFolder:
      fill_path(v, input, ctx);
      break;
    case Family::kWebFetch: {
      std::string url;
      v.input_ok = string_field(input, "url", &url);
      if (v.input_ok) v.host = url_host(url);
      if (v.host.empty()) v.input_ok = false;
      break;
    }
    case Family::kAgent:
      if (!string_field(input, "subagent_type", &v.subagent)) v.subagent = "general-purpose";
      break;
    case Family::kMcp:
    case Family::kOther:
      break;
  }
  return v;
}

bool rule_names_tool(const Rule& rule, RuleKind kind, const CallView& call) {
  const std::string_view rt = rule.tool == "Task" ? std::string_view("Agent") : std::string_view(rule.tool);
  if (rt.substr(0, 5) == "mcp__") return mcp_names(rt, call.tool);
  const bool edit_alias = rt == "Write" || rt == "MultiEdit" || rt == "NotebookEdit";
  if (edit_alias && rule.has_specifier) {
    // Claude Code reads path rules for Read and Edit only: Write(path) never allows; as a
    // deny or ask rule it is read as Edit(path), the broad reading.
    return kind != RuleKind::kAllow && call.family == Family::kEdit;
  }
  if (rt == call.tool) return true;
  if (rt == "Edit") return call.family == Family::kEdit;
  if (rt == "Read") return call.family == Family::kReadFile || call.family == Family::kReadFolder;
  return false;
}

Tri match_rule(const Rule& rule, RuleKind kind, const CallView& call, const Context& ctx, std::string_view rule_root) {
  if (!rule.has_specifier) return Tri::kYes;
  if (!call.input_ok) return Tri::kMaybe;
  switch (call.family) {
    case Family::kBash: return bash_rule(rule, call);
    case Family::kEdit:
    case Family::kReadFile:
    case Family::kReadFolder: return path_rule(rule, kind, call, ctx, rule_root);
    case Family::kWebFetch: return domain_rule(rule, kind, call);
    case Family::kAgent: return rule.specifier == call.subagent ? Tri::kYes : Tri::kNo;
    case Family::kMcp:
    case Family::kOther: return Tri::kMaybe;  // a specifier this tool does not take
  }
  return Tri::kMaybe;
}

std::string settings_root(const SettingsFile& file, const Context& ctx) {
  if (file.source == Source::kProject || file.source == Source::kLocal) return ctx.project_dir;
  if (file.path.empty() || file.path[0] != '/') return {};
  return canonical_path(file.path + "/..", "/", ctx.home);
}

bool bash_specifier_matches(std::string_view spec, std::string_view text) {
  std::string pattern(spec);
  if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, ":*") == 0) {
    pattern.resize(pattern.size() - 2);  // legacy "prefix:*" is "prefix *"
    if (pattern.empty()) return true;
    pattern += " *";
  }
  std::size_t stars = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      ++i;
    } else if (pattern[i] == '*') {
      ++stars;
    }
  }
  if (stars == 0) {
    std::string literal;  // "\*" and "\\" unescaped
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == '\\' && i + 1 < pattern.size() && (pattern[i + 1] == '*' || pattern[i + 1] == '\\')) ++i;
      literal.push_back(pattern[i]);
    }
    return text == literal;
  }
  if (stars == 1 && pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, " *") == 0 &&
      wildcard_match(std::string_view(pattern).substr(0, pattern.size() - 2), text)) {
    return true;  // "ls *" also matches a bare "ls"
  }
  return wildcard_match(pattern, text);
}

}  // namespace bw::claudeperm::detail
