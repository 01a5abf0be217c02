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
#include <optional>
#include <sstream>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"

namespace bw::agent::hook {
namespace {

using ordered = nlohmann::ordered_json;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The file a write lands in: the path itself, or where its link points (a settings file
// kept in a dotfiles folder and linked into ~/.claude stays a link).
Result<std::string> write_target(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  std::error_code ec;
  const auto target = std::filesystem::canonical(path, ec);
  if (ec) return Error{1, path + " is a link to nothing (" + ec.message() + "); it was left untouched"};
  return target.string();
}

// The file's text (nullopt: it does not exist), read through links.
Result<std::optional<std::string>> read_text(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return std::optional<std::string>();
  std::ifstream in(path);
  if (!in) return Error{1, "cannot read " + path};
  std::stringstream text;
  text << in.rdbuf();
  return std::optional<std::string>(text.str());
}

Result<ordered> parse(const std::string& path, const std::optional<std::string>& text) {
  if (!text || text->find_first_not_of(" \t\r\n") == std::string::npos) return ordered::object();
  auto j = ordered::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{1, path + " is not a JSON object; it was left untouched"};
  return j;
}

// Writes `j` to a new private temporary file beside `target` (never one that exists).
Result<std::string> write_temporary(const std::string& target, const ordered& j) {
  struct stat st{};
  const mode_t mode = ::stat(target.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0600;
  const std::string tmp = target + ".breakwater-" + crypto::hex_encode(crypto::random(8));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Error{1, "cannot write beside " + target + ": " + std::strerror(errno)};
  const std::string text = j.dump(2) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fchmod(fd, mode) == 0 &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Error{1, "cannot write beside " + target};
  }
  return tmp;
}

}  // namespace

namespace detail {

Status update_settings(const std::string& settings_path, const std::function<Result<bool>(nlohmann::ordered_json&)>& change,
                       const std::function<void()>& before_rename) {
  auto target = write_target(settings_path);
  if (!target) return target.error();
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto before = read_text(*target);
    if (!before) return before.error();
    auto j = parse(settings_path, *before);
    if (!j) return j.error();
    auto changed = change(*j);
    if (!changed) return changed.error();
    if (!*changed) return {};  // nothing to do: the file is not rewritten
    auto tmp = write_temporary(*target, *j);
    if (!tmp) return tmp.error();
    if (before_rename) before_rename();
    // Another program (Claude Code, an editor) may have written the file since it was read:
    // then start again from its new contents rather than undo that write.
    auto now = read_text(*target);
    if (now && *now == *before) {
      if (::rename(tmp->c_str(), target->c_str()) == 0) return {};
      ::unlink(tmp->c_str());
      return Error{1, "cannot write " + settings_path + ": " + std::strerror(errno)};
    }
    ::unlink(tmp->c_str());
  }
  return Error{1, settings_path + " kept changing while breakwater-agent updated it; it was left as it is"};
}

}  // namespace detail

namespace {

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
  return detail::update_settings(settings_path, [&](ordered& j) -> Result<bool> {
    if (!strip(j)) return Error{1, settings_path + ": \"hooks\" has an unexpected shape; it was left untouched"};
    ordered entry{{"matcher", "*"},
                  {"hooks", ordered::array({{{"type", "command"}, {"command", command}, {"timeout", timeout_s}}})}};
    j["hooks"]["PreToolUse"].push_back(std::move(entry));
    return true;
  });
}

Status remove_user_hook(const std::string& settings_path) {
  return detail::update_settings(settings_path, [&](ordered& j) -> Result<bool> {
    const auto before = j.dump();
    if (!strip(j)) return Error{1, settings_path + ": \"hooks\" has an unexpected shape; it was left untouched"};
    return j.dump() != before;  // nothing of ours: the file is not rewritten
  });
}

}  // namespace bw::agent::hook
