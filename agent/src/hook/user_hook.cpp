// The approval hook in the user's own settings; see user_hook.hpp.
#include "hook/user_hook.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace bw::agent::hook {
namespace {

using ordered = nlohmann::ordered_json;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Result<ordered> load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return ordered::object();
  std::ifstream in(path);
  if (!in) return Error{1, "cannot read " + path};
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find_first_not_of(" \t\r\n") == std::string::npos) return ordered::object();
  auto j = ordered::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{1, path + " is not a JSON object; it was left untouched"};
  return j;
}

Status save(const std::string& path, const ordered& j) {
  struct stat st{};
  const mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0600;
  const std::string tmp = path + ".breakwater-tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Error{1, "cannot write " + path + ": " + std::strerror(errno)};
  const std::string text = j.dump(2) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fchmod(fd, mode) == 0 &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Error{1, "cannot write " + path};
  }
  return {};
}

bool ours(const ordered& entry) {
  if (!entry.is_object() || !entry.contains("hooks") || !entry["hooks"].is_array()) return false;
  for (const auto& h : entry["hooks"]) {
    if (h.is_object() && h.contains("command") && h["command"].is_string() &&
        h["command"].get<std::string>().find(kUserHookMarker) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Removes our entries; true if the structure allowed it.
bool strip(ordered& j) {
  if (!j.contains("hooks")) return true;
  auto& hooks = j["hooks"];
  if (!hooks.is_object()) return false;
  if (!hooks.contains("PreToolUse")) return true;
  auto& pre = hooks["PreToolUse"];
  if (!pre.is_array()) return false;
  ordered kept = ordered::array();
  for (const auto& e : pre) {
    if (!ours(e)) kept.push_back(e);
  }
  if (kept.empty()) {
    hooks.erase("PreToolUse");
    if (hooks.empty()) j.erase("hooks");
  } else {
    pre = std::move(kept);
  }
  return true;
}

}  // namespace

std::string user_hook_command(const std::string& agent_binary, const std::string& socket_path,
                              const std::string& secret_file, long deadline_ms) {
  // `|| exit 2`: a hook that cannot start or dies must still block (see session_plan.hpp).
  return quote(agent_binary) + kUserHookMarker + "--socket " + quote(socket_path) + " --secret-file " +
         quote(secret_file) + " --deadline-ms " + std::to_string(deadline_ms) + " || exit 2";
}

Status install_user_hook(const std::string& settings_path, const std::string& command, long timeout_s) {
  std::error_code ec;
  const auto folder = std::filesystem::path(settings_path).parent_path();
  if (!folder.empty() && !std::filesystem::exists(folder, ec)) {
    std::filesystem::create_directories(folder, ec);
    if (ec) return Error{1, "cannot create " + folder.string()};
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all, ec);
  }
  auto j = load(settings_path);
  if (!j) return j.error();
  if (!strip(*j)) return Error{1, settings_path + ": \"hooks\" has an unexpected shape; it was left untouched"};
  ordered entry{{"matcher", "*"},
                {"hooks", ordered::array({{{"type", "command"}, {"command", command}, {"timeout", timeout_s}}})}};
  (*j)["hooks"]["PreToolUse"].push_back(std::move(entry));
  return save(settings_path, *j);
}

Status remove_user_hook(const std::string& settings_path) {
  auto j = load(settings_path);
  if (!j) return j.error();
  const auto before = j->dump();
  if (!strip(*j)) return Error{1, settings_path + ": \"hooks\" has an unexpected shape; it was left untouched"};
  if (j->dump() == before) return {};  // nothing of ours: the file is not rewritten
  return save(settings_path, *j);
}

}  // namespace bw::agent::hook
