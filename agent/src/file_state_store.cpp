// FileStateStore (file_state_store.hpp).
#include "file_state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"

namespace bw::agent {
namespace {

using e2e::Direction;
using e2e::Errc;
using e2e::ReceiverState;
using e2e::SenderState;

constexpr std::uint8_t kMagic[4] = {'B', 'W', 'E', '2'};
constexpr std::uint8_t kFormat = 1;
constexpr std::uint8_t kSend = 1, kReceive = 2;
constexpr std::size_t kCk = 32;
constexpr std::size_t kSendSize = 4 + 1 + 1 + kCk + 8 + 8 + 1;
constexpr std::size_t kReceiveSize = 4 + 1 + 1 + kCk + 8 + 8 + 8;

Error state_error(const std::string& what) { return e2e::make_error(Errc::kState, what); }
Error sys_error(const std::string& what) { return state_error(what + ": " + std::strerror(errno)); }

void put_u64(crypto::SecretBytes& b, std::size_t at, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) b.data()[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
}
std::uint64_t get_u64(const crypto::SecretBytes& b, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | b.data()[at + i];
  return v;
}

class FileStateStore final : public e2e::StateStore {
 public:
  explicit FileStateStore(int dirfd) : dirfd_(dirfd) {}
  ~FileStateStore() override { ::close(dirfd_); }

  Status save_sender(const e2e::Id& p, Direction d, const SenderState& s) override {
    if (s.ck.size() != kCk) return state_error("chain key is not 32 bytes");
    crypto::SecretBytes b(kSendSize);
    header(b, kSend, s.ck, s.n);
    put_u64(b, 38 + 8, s.last_seq);
    b.data()[54] = s.clean ? 1 : 0;
    return write_file(name(p, "send", d), b);
  }
  Result<std::optional<SenderState>> load_sender(const e2e::Id& p, Direction d) override {
    auto b = read_file(name(p, "send", d), kSendSize, kSend);
    if (!b) return b.error();
    if (!b->has_value()) return std::optional<SenderState>{};
    const auto& v = **b;
    if (v.data()[54] > 1) return state_error("sending state: bad flag");
    return std::optional<SenderState>{
        SenderState{crypto::SecretBytes(v.view().subspan(6, kCk)), get_u64(v, 38), get_u64(v, 46), v.data()[54] == 1}};
  }
  Status save_receiver(const e2e::Id& p, Direction d, const ReceiverState& s) override {
    if (s.ck.size() != kCk) return state_error("chain key is not 32 bytes");
    crypto::SecretBytes b(kReceiveSize);
    header(b, kReceive, s.ck, s.n);
    put_u64(b, 46, s.r);
    put_u64(b, 54, s.seq);
    return write_file(name(p, "recv", d), b);
  }
  Result<std::optional<ReceiverState>> load_receiver(const e2e::Id& p, Direction d) override {
    auto b = read_file(name(p, "recv", d), kReceiveSize, kReceive);
    if (!b) return b.error();
    if (!b->has_value()) return std::optional<ReceiverState>{};
    const auto& v = **b;
    return std::optional<ReceiverState>{
        ReceiverState{crypto::SecretBytes(v.view().subspan(6, kCk)), get_u64(v, 38), get_u64(v, 46), get_u64(v, 54)}};
  }
  Status erase(const e2e::Id& p) override {
    for (const char* role : {"send", "recv"}) {
      for (const Direction d : {Direction::kAgentToClient, Direction::kClientToAgent}) {
        if (::unlinkat(dirfd_, name(p, role, d).c_str(), 0) != 0 && errno != ENOENT) return sys_error("erase");
      }
    }
    if (::fsync(dirfd_) != 0) return sys_error("sync state folder");
    return {};
  }

 private:
  static std::string name(const e2e::Id& p, const char* role, Direction d) {
    return "e2e-" + crypto::hex_encode(ByteView(p)) + "-" + role + "-" + std::string(e2e::direction_label(d));
  }
  static void header(crypto::SecretBytes& b, std::uint8_t kind, const crypto::SecretBytes& ck, std::uint64_t n) {
    std::memcpy(b.data(), kMagic, 4);
    b.data()[4] = kFormat;
    b.data()[5] = kind;
    std::memcpy(b.data() + 6, ck.data(), kCk);
    put_u64(b, 38, n);
  }

  Status write_file(const std::string& final_name, const crypto::SecretBytes& bytes) {
    const std::string tmp = "." + final_name + "." + crypto::hex_encode(crypto::random(8)) + ".tmp";
    const int fd = ::openat(dirfd_, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return sys_error("create state file");
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        ::close(fd);
        ::unlinkat(dirfd_, tmp.c_str(), 0);
        return sys_error("write state file");
      }
      done += static_cast<std::size_t>(w);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
      ::unlinkat(dirfd_, tmp.c_str(), 0);
      return sys_error("sync state file");
    }
    if (::renameat(dirfd_, tmp.c_str(), dirfd_, final_name.c_str()) != 0) {
      ::unlinkat(dirfd_, tmp.c_str(), 0);
      return sys_error("replace state file");
    }
    if (::fsync(dirfd_) != 0) return sys_error("sync state folder");
    return {};
  }

  Result<std::optional<crypto::SecretBytes>> read_file(const std::string& file, std::size_t size, std::uint8_t kind) {
    const int fd = ::openat(dirfd_, file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return std::optional<crypto::SecretBytes>{};
      return sys_error("open state file");  // ELOOP: a symlink
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 0077) != 0 ||
        static_cast<std::size_t>(st.st_size) != size) {
      ::close(fd);
      return state_error("state file " + file + " is not a private regular file of the expected size");
    }
    crypto::SecretBytes b(size);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t r = ::read(fd, b.data() + done, size - done);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      done += static_cast<std::size_t>(r);
    }
    ::close(fd);
    if (done != size || std::memcmp(b.data(), kMagic, 4) != 0 || b.data()[4] != kFormat || b.data()[5] != kind) {
      return state_error("state file " + file + " is damaged or of another version");
    }
    return std::optional<crypto::SecretBytes>{std::move(b)};
  }

  int dirfd_;
};

}  // namespace

Result<std::unique_ptr<e2e::StateStore>> open_file_state_store(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return sys_error("open state folder");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_uid != ::geteuid() || (st.st_mode & 0077) != 0) {
    ::close(fd);
    return state_error("the state folder is not private to this user (mode 0700 expected)");
  }
  return std::unique_ptr<e2e::StateStore>(std::make_unique<FileStateStore>(fd));
}

}  // namespace bw::agent
