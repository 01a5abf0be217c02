// Private state folder checks (see state_dir.hpp).
#include "state_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace bw::agent {

Status ensure_private_dir(const std::string& path) {
  if (path.empty()) return Error{kStateDirCreate, "state folder: empty path"};
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Error{kStateDirCreate, "state folder " + path + ": " + std::strerror(errno)};
    for (auto pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
      const std::string parent = path.substr(0, pos);  // missing parents are made private too
      if (::mkdir(parent.c_str(), 0700) != 0 && errno != EEXIST) {
        return Error{kStateDirCreate, "state folder " + parent + ": cannot create: " + std::strerror(errno)};
      }
    }
    if (::mkdir(path.c_str(), 0700) != 0) {
      return Error{kStateDirCreate, "state folder " + path + ": cannot create: " + std::strerror(errno)};
    }
    if (::lstat(path.c_str(), &st) != 0) return Error{kStateDirCreate, "state folder " + path + ": vanished"};
  }
  if (!S_ISDIR(st.st_mode)) return Error{kStateDirNotDir, "state folder " + path + " is not a directory (or is a symlink)"};
  if (st.st_uid != ::geteuid()) return Error{kStateDirOwner, "state folder " + path + " belongs to another user"};
  if (st.st_mode & 077) {
    return Error{kStateDirExposed, "state folder " + path + " is accessible by other users; run chmod 700 " + path +
                                       " after checking nobody else used it"};
  }
  return {};
}

std::string default_state_dir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/') return std::string(xdg) + "/breakwater-agent";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/nonexistent") + "/.local/state/breakwater-agent";
}

}  // namespace bw::agent
