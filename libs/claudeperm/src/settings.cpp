// Settings files and rule strings: parsing only, plus the one function that reads a file.
// A malformed file is never fatal here: its error is recorded beside whatever did parse, and
// evaluate() turns any such error into "ask" for every call that no deny rule denies.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "bw/claudeperm/permissions.hpp"

namespace bw::claudeperm {
namespace {

constexpr std::size_t kMaxRuleBytes = 4096;
constexpr std::size_t kMaxFileBytes = 1 << 20;
constexpr std::size_t kMaxErrors = 5;

bool tool_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void add_error(SettingsFile& f, const std::string& what, int* count) {
  ++*count;
  if (*count > static_cast<int>(kMaxErrors)) return;
  if (f.error.empty()) {
    f.error = f.path + ": " + what;
  } else {
    f.error += "; " + what;
  }
}

void read_rules(SettingsFile& f, const nlohmann::json& perms, const char* key, std::vector<Rule>* out,
                int* errors) {
  auto it = perms.find(key);
  if (it == perms.end()) return;
  if (!it->is_array()) {
    add_error(f, std::string("permissions.") + key + " is not an array", errors);
    return;
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& v = (*it)[i];
    const std::string where = std::string("permissions.") + key + "[" + std::to_string(i) + "]";
    if (!v.is_string()) {
      add_error(f, where + " is not a string", errors);
      continue;
    }
    Rule r;
    std::string why;
    if (!parse_rule(v.get_ref<const std::string&>(), &r, &why)) {
      add_error(f, where + ": " + why, errors);
      continue;
    }
    out->push_back(std::move(r));
  }
}

void read_strings(SettingsFile& f, const nlohmann::json& perms, const char* key, std::vector<std::string>* out,
                  int* errors) {
  auto it = perms.find(key);
  if (it == perms.end()) return;
  if (!it->is_array()) {
    add_error(f, std::string("permissions.") + key + " is not an array", errors);
    return;
  }
  for (const auto& v : *it) {
    if (!v.is_string()) {
      add_error(f, std::string("permissions.") + key + " holds a non-string", errors);
      continue;
    }
    out->push_back(v.get<std::string>());
  }
}

bool read_flag(SettingsFile& f, const nlohmann::json& obj, const char* key, int* errors) {
  auto it = obj.find(key);
  if (it == obj.end()) return false;
  if (!it->is_boolean()) {
    add_error(f, std::string(key) + " is not a boolean", errors);
    return false;
  }
  return it->get<bool>();
}

}  // namespace

std::string_view source_name(Source s) {
  switch (s) {
    case Source::kManaged: return "managed";
    case Source::kUser: return "user";
    case Source::kProject: return "project";
    case Source::kLocal: return "local";
    case Source::kAgent: return "agent";
  }
  return "unknown";
}

std::string_view decision_name(Decision d) {
  switch (d) {
    case Decision::kAllow: return "allow";
    case Decision::kDeny: return "deny";
    case Decision::kAsk: return "ask";
    case Decision::kNone: return "none";
  }
  return "unknown";
}

bool parse_rule(std::string_view text, Rule* out, std::string* why) {
  if (text.size() > kMaxRuleBytes) {
    *why = "rule longer than 4096 bytes";
    return false;
  }
  const std::string_view t = trim(text);
  std::size_t n = 0;
  while (n < t.size() && tool_name_char(t[n])) ++n;
  if (n == 0) {
    *why = "rule does not start with a tool name";
    return false;
  }
  if (n < t.size() && t[n] == '*' && t.substr(0, 5) == "mcp__") ++n;  // mcp__server__*
  Rule r;
  r.text = std::string(t);
  r.tool = std::string(t.substr(0, n));
  if (n == t.size()) {
    *out = std::move(r);
    return true;
  }
  if (t[n] != '(' || t.back() != ')' || t.size() < n + 2) {
    *why = "expected Tool or Tool(specifier)";
    return false;
  }
  const std::string_view spec = t.substr(n + 1, t.size() - n - 2);
  if (spec.empty()) {
    *why = "empty specifier";
    return false;
  }
  if (r.tool == "Bash" && trim(spec) == "*") {  // documented: Bash(*) is the same as Bash
    *out = std::move(r);
    return true;
  }
  r.specifier = std::string(spec);
  r.has_specifier = true;
  *out = std::move(r);
  return true;
}

SettingsFile parse_settings(std::string_view json_text, Source source, std::string path) {
  SettingsFile f;
  f.source = source;
  f.path = std::move(path);
  int errors = 0;
  if (json_text.size() > kMaxFileBytes) {
    add_error(f, "larger than 1 MiB", &errors);
    return f;
  }
  const auto doc = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, false, true);
  if (doc.is_discarded()) {
    add_error(f, "not valid JSON", &errors);
    return f;
  }
  if (!doc.is_object()) {
    add_error(f, "top level is not a JSON object", &errors);
    return f;
  }
  bool managed_only = read_flag(f, doc, "allowManagedPermissionRulesOnly", &errors);
  auto perms_it = doc.find("permissions");
  if (perms_it != doc.end()) {
    const auto& perms = *perms_it;
    if (!perms.is_object()) {
      add_error(f, "permissions is not an object", &errors);
    } else {
      read_rules(f, perms, "deny", &f.deny, &errors);
      read_rules(f, perms, "ask", &f.ask, &errors);
      read_rules(f, perms, "allow", &f.allow, &errors);
      read_strings(f, perms, "additionalDirectories", &f.additional_directories, &errors);
      auto mode = perms.find("defaultMode");
      if (mode != perms.end()) {
        if (mode->is_string()) {
          f.default_mode = mode->get<std::string>();
        } else {
          add_error(f, "permissions.defaultMode is not a string", &errors);
        }
      }
      managed_only = read_flag(f, perms, "allowManagedPermissionRulesOnly", &errors) || managed_only;
    }
  }
  f.allow_managed_rules_only = managed_only && source == Source::kManaged;
  if (errors > static_cast<int>(kMaxErrors)) {
    f.error += "; and " + std::to_string(errors - static_cast<int>(kMaxErrors)) + " more";
  }
  return f;
}

SettingsFile load_settings_file(const std::string& path, Source source) {
  SettingsFile f;
  f.source = source;
  f.path = path;
  std::FILE* fp = std::fopen(path.c_str(), "rb");
  if (fp == nullptr) {
    const int err = errno;
    if (err != ENOENT && err != ENOTDIR) f.error = path + ": cannot open: " + std::strerror(err);
    return f;  // a missing file: that scope is not configured
  }
  std::string text;
  char buf[8192];
  std::size_t got = 0;
  while ((got = std::fread(buf, 1, sizeof buf, fp)) > 0) {
    text.append(buf, got);
    if (text.size() > kMaxFileBytes) break;
  }
  const bool failed = std::ferror(fp) != 0;
  const int err = errno;
  std::fclose(fp);
  if (failed) {
    f.error = path + ": cannot read: " + std::strerror(err);
    return f;
  }
  return parse_settings(text, source, path);
}

}  // namespace bw::claudeperm
