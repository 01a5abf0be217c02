// Checked file reads (see files.hpp).
#include "bw/config/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bw::config {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<std::string> read_checked(const std::string& path, std::size_t max_bytes, bool private_file) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return Error{kFileUnreadable, "cannot open " + path + ": " + std::strerror(errno)};
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error{kFileUnreadable, "cannot stat " + path + ": " + std::strerror(errno)};
  if (!S_ISREG(st.st_mode)) return Error{kFileNotRegular, path + " is not a regular file"};
  if (private_file && (st.st_mode & (S_IRWXO | S_IWGRP))) {
    return Error{kFileExposed, path + " is accessible by other users or writable by its group; run chmod 600 " + path};
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return Error{kFileTooLarge, path + " is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{kFileUnreadable, "cannot read " + path + ": " + std::strerror(errno)};
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) return Error{kFileTooLarge, path + " is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  if (private_file && out.empty()) return Error{kFileEmpty, path + " is empty"};
  return out;
}

}  // namespace

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  return read_checked(path, max_bytes, false);
}

Result<std::string> read_private_file(const std::string& path, std::size_t max_bytes) {
  return read_checked(path, max_bytes, true);
}

}  // namespace bw::config
