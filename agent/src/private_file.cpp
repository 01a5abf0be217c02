// Private files (private_file.hpp).
#include "private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"

namespace bw::agent {
namespace {

Error io_error(const std::string& what) { return Error{kPrivateFileIo, what + ": " + std::strerror(errno)}; }

bool plain_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Status write_private_file(const std::string& dir, const std::string& name, const std::string& content) {
  if (!plain_name(name)) return Error{kPrivateFileIo, "bad file name"};
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (d.fd < 0) return io_error("cannot open " + dir);
  const std::string tmp = "." + name + "." + crypto::hex_encode(crypto::random(8)) + ".tmp";
  Fd f{::openat(d.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
  if (f.fd < 0) return io_error("cannot create a file in " + dir);
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(f.fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::unlinkat(d.fd, tmp.c_str(), 0);
      return io_error("cannot write " + name);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(f.fd) != 0 || ::renameat(d.fd, tmp.c_str(), d.fd, name.c_str()) != 0) {
    ::unlinkat(d.fd, tmp.c_str(), 0);
    return io_error("cannot save " + name);
  }
  if (::fsync(d.fd) != 0) return io_error("cannot sync " + dir);
  return {};
}

Result<std::optional<std::string>> read_private_file(const std::string& dir, const std::string& name,
                                                     std::size_t max_bytes) {
  if (!plain_name(name)) return Error{kPrivateFileIo, "bad file name"};
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (d.fd < 0) return io_error("cannot open " + dir);
  Fd f{::openat(d.fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return io_error("cannot open " + dir + "/" + name);
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return io_error("cannot stat " + name);
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077)) {
    return Error{kPrivateFileExposed, dir + "/" + name + " is not a private regular file of this user (mode 0600)"};
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) return Error{kPrivateFileIo, dir + "/" + name + " is too large"};
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(f.fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot read " + name);
    done += static_cast<std::size_t>(n);
  }
  return std::optional<std::string>(std::move(out));
}

Status remove_private_file(const std::string& dir, const std::string& name) {
  if (!plain_name(name)) return Error{kPrivateFileIo, "bad file name"};
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (d.fd < 0) return io_error("cannot open " + dir);
  if (::unlinkat(d.fd, name.c_str(), 0) != 0 && errno != ENOENT) return io_error("cannot remove " + name);
  if (::fsync(d.fd) != 0) return io_error("cannot sync " + dir);
  return {};
}

}  // namespace bw::agent
