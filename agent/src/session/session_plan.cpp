// The plan of a Claude Code session; see session_plan.hpp.
#include "session/session_plan.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

namespace bw::agent::session {
namespace {

namespace fs = std::filesystem;

std::optional<fs::path> real(const std::string& p) {
  std::error_code ec;
  auto r = fs::canonical(p, ec);
  if (ec) return std::nullopt;
  return r;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool inside(const fs::path& child, const fs::path& root) {
  auto c = child.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++c) {
    if (c == child.end() || *c != *r) return false;
  }
  return true;
}

}  // namespace

Result<std::string> resolve_project(const SessionSettings& s, const std::string& folder) {
  if (s.project_roots.empty()) return Error{1, "no project roots are configured (agent.project_roots)"};
  if (folder.empty() || folder.find('\0') != std::string::npos) return Error{1, "no folder given"};
  auto p = real(folder);
  if (!p) return Error{1, "the folder does not exist"};
  std::error_code ec;
  if (!fs::is_directory(*p, ec)) return Error{1, "not a folder"};
  for (const auto& root : s.project_roots) {
    auto r = real(root);
    if (r && inside(*p, *r)) return p->string();
  }
  return Error{1, "the folder is outside the configured project roots"};
}

bool is_trusted(const SessionSettings& s, const std::string& project) {
  for (const auto& t : s.trusted_projects) {
    auto r = real(t);
    if (r && r->string() == project) return true;
  }
  return false;
}

std::chrono::milliseconds hook_deadline(const SessionSettings& s) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(s.approval_timeout + std::chrono::seconds(10));
}

SpawnPlan plan_session(const SessionSettings& s, const std::string& project, bool trusted,
                       const std::string& settings_path, const HookWiring& hook,
                       const std::optional<std::string>& resume_id,
                       const std::map<std::string, std::string>& agent_env) {
  SpawnPlan plan;
  plan.cwd = project;
  plan.argv = {s.claude_path, "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose",
               "--settings", settings_path, "--setting-sources", trusted ? "user,project,local" : "user"};
  if (resume_id) {
    plan.argv.push_back("--resume");
    plan.argv.push_back(*resume_id);
  }
  const auto hook_timeout_s = (s.approval_timeout + std::chrono::seconds(30)).count();
  nlohmann::json settings{
      {"hooks",
       {{"PreToolUse",
         nlohmann::json::array({{{"matcher", "*"},
                                 {"hooks", nlohmann::json::array({{{"type", "command"},
                                                                   {"command", shell_quote(s.agent_binary) + " hook || exit 2"},
                                                                   {"timeout", hook_timeout_s}}})}}})}}}};
  plan.settings_json = settings.dump(2) + "\n";
  auto pass = [&](const std::string& name) {
    if (name.rfind("BREAKWATER_", 0) == 0) return;
    if (auto it = agent_env.find(name); it != agent_env.end()) plan.env.push_back(name + "=" + it->second);
  };
  for (const char* name : {"HOME", "USER", "LOGNAME", "PATH", "SHELL", "LANG", "LC_ALL", "TERM", "TZ", "TMPDIR"}) pass(name);
  for (const auto& name : s.env_passthrough) {
    if (name != "ANTHROPIC_API_KEY") pass(name);
  }
  if (s.api_billing) pass("ANTHROPIC_API_KEY");
  plan.env.push_back("BREAKWATER_HOOK_SOCKET=" + hook.socket_path);
  plan.env.push_back("BREAKWATER_HOOK_SECRET=" + hook.secret);
  plan.env.push_back("BREAKWATER_HOOK_DEADLINE_MS=" + std::to_string(hook_deadline(s).count()));
  return plan;
}

}  // namespace bw::agent::session
