// The agent's own decision on a tool call; see approval_policy.hpp.
#include "hook/approval_policy.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <vector>

#include "bw/claudeperm/permissions.hpp"

namespace bw::agent::hook {
namespace {

namespace fs = std::filesystem;
namespace cp = bw::claudeperm;

std::optional<std::string> resolve(const std::string& path, const std::string& base) {
  std::error_code ec;
  fs::path p(path);
  if (p.is_relative()) p = fs::path(base) / p;
  auto r = fs::weakly_canonical(p, ec);
  if (ec) return std::nullopt;
  return r.string();
}

// The call with its path fields resolved through the file system, or nullopt when one
// cannot be.
std::optional<cp::ToolCall> resolved_call(const HookCall& call, const std::string& cwd) {
  auto j = nlohmann::json::parse(call.tool_input, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  for (const char* key : {"file_path", "notebook_path", "path"}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) continue;
    auto r = resolve(it->get<std::string>(), cwd);
    if (!r) return std::nullopt;
    *it = *r;
  }
  try {
    return cp::ToolCall{call.tool_name, j.dump()};
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

LocalDecision from(const cp::Verdict& v, Route route) {
  return LocalDecision{route, v.rule, v.file, v.reason};
}

}  // namespace

LocalDecision decide_locally(const SessionContext& s, const HookCall& call) {
  std::vector<cp::SettingsFile> files;
  files.push_back(cp::load_settings_file(s.managed_settings_file, cp::Source::kManaged));
  files.push_back(cp::load_settings_file((fs::path(s.home) / ".claude" / "settings.json").string(), cp::Source::kUser));
  files.push_back(
      cp::load_settings_file((fs::path(s.project_dir) / ".claude" / "settings.json").string(), cp::Source::kProject));
  files.push_back(
      cp::load_settings_file((fs::path(s.project_dir) / ".claude" / "settings.local.json").string(), cp::Source::kLocal));
  if (!s.agent_settings_file.empty()) files.push_back(cp::load_settings_file(s.agent_settings_file, cp::Source::kAgent));

  const cp::ToolCall written{call.tool_name, call.tool_input};
  const cp::Context as_written{call.cwd, s.project_dir, s.home, s.agent_state_dir, s.project_trusted};
  const auto first = cp::evaluate(files, written, as_written);
  if (first.decision == cp::Decision::kDeny) return from(first, Route::kDeny);

  const auto cwd = resolve(call.cwd, "/");
  const auto project = resolve(s.project_dir, "/");
  const auto home = resolve(s.home, "/");
  const auto state = s.agent_state_dir.empty() ? std::optional<std::string>("") : resolve(s.agent_state_dir, "/");
  const auto real = cwd ? resolved_call(call, *cwd) : std::nullopt;
  if (!cwd || !project || !home || !state || !real) {
    return {Route::kAskClients, "", "", "a path of the call cannot be resolved"};
  }
  const cp::Context resolved_ctx{*cwd, *project, *home, *state, s.project_trusted};
  const auto second = cp::evaluate(files, *real, resolved_ctx);
  if (second.decision == cp::Decision::kDeny) return from(second, Route::kDeny);
  if (first.decision == cp::Decision::kAllow && second.decision == cp::Decision::kAllow) {
    return from(first, Route::kAllow);
  }
  if (first.decision == cp::Decision::kNone && second.decision == cp::Decision::kNone &&
      cp::is_read_inside_workspace(files, written, as_written) &&
      cp::is_read_inside_workspace(files, *real, resolved_ctx)) {
    return {Route::kAllow, "", "", "a read inside the workspace (Claude Code's default)"};
  }
  // The stricter of the two readings explains why the phones are asked.
  const cp::Verdict* why = &first;
  if ((second.decision == cp::Decision::kAsk && first.decision != cp::Decision::kAsk) ||
      first.decision == cp::Decision::kNone) {
    why = &second;
  }
  if (why->decision == cp::Decision::kNone) return {Route::kAskClients, "", "", "no rule allows this call"};
  if (why->decision == cp::Decision::kAllow) return {Route::kAskClients, "", "", "allowed only as written, not as resolved"};
  return from(*why, Route::kAskClients);
}

}  // namespace bw::agent::hook
