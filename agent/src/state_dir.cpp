// Private state folder checks (see state_dir.hpp).
#include "state_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace bw::agent {
namespace {

std::string sys_error(const std::string& what) { return what + ": " + std::strerror(errno); }

// "/a/b/c" → {"/a", "/a/b"}; refuses relative paths and "." or ".." parts.
Result<std::vector<std::string>> ancestors(const std::string& path) {
  if (path.empty() || path.front() != '/') return Error{kStateDirCreate, "state folder must be an absolute path: " + path};
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return Error{kStateDirCreate, "state folder path has an empty, '.' or '..' part: " + path};
    }
    if (end < path.size()) out.push_back(path.substr(0, end));
    start = end + 1;
  }
  return out;
}

// An existing ancestor must be a directory (symlinks allowed) that nobody else can
// rename entries in: owned by root or us, and not group/other-writable unless sticky.
Status check_ancestor(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Error{kStateDirCreate, sys_error("state folder parent " + dir)};
  if (!S_ISDIR(st.st_mode)) return Error{kStateDirNotDir, "state folder parent " + dir + " is not a directory"};
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return Error{kStateDirOwner, "state folder parent " + dir + " belongs to another user"};
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
    return Error{kStateDirExposed, "state folder parent " + dir + " is writable by other users"};
  }
  return {};
}

}  // namespace

Status ensure_private_dir(const std::string& requested) {
  std::string path = requested;
  while (path.size() > 1 && path.back() == '/') path.pop_back();  // "dir/" would follow a symlink
  auto parents = ancestors(path);
  if (!parents) return parents.error();
  for (const auto& dir : parents.value()) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Error{kStateDirCreate, sys_error("state folder parent " + dir + ": cannot create")};
    }
    if (auto st = check_ancestor(dir); !st) return st;
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error{kStateDirCreate, sys_error("state folder " + path + ": cannot create")};
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP || errno == ENOTDIR) return Error{kStateDirNotDir, "state folder " + path + " is not a directory (or is a symlink)"};
    return Error{kStateDirCreate, sys_error("state folder " + path)};
  }
  struct stat st {};
  const int rc = ::fstat(fd, &st);
  ::close(fd);
  if (rc != 0) return Error{kStateDirCreate, sys_error("state folder " + path)};
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
