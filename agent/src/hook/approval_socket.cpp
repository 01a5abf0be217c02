// The agent's approval socket; see approval_socket.hpp for the guarantees.
#include "hook/approval_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "bw/crypto/constant_time.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"

namespace bw::agent::hook {
namespace {

using Clock = std::chrono::steady_clock;

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// One line (without its '\n') within the deadline, or nullopt.
std::optional<std::string> read_line(int fd, Clock::time_point deadline) {
  std::string line;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    line.append(buf, static_cast<std::size_t>(n));
    if (auto nl = line.find('\n'); nl != std::string::npos) return line.substr(0, nl);
    if (line.size() > kMaxLine) return std::nullopt;
  }
}

}  // namespace

struct ApprovalSocket::Impl {
  std::string path;
  Handler handler;
  Options options;
  int listen_fd = -1;
  int wake[2] = {-1, -1};  // the destructor writes here to stop the accept loop
  std::thread acceptor;
  SocketStats stats;

  std::mutex mu;
  std::map<std::string, std::string> secrets;  // session → secret (hex)
  struct Conn {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::list<Conn> conns;  // guarded by mu
  std::size_t active = 0;  // guarded by mu

  void accept_loop();
  void serve(Conn* c);
  void reap();  // joins finished connection threads; mu held
  std::optional<std::string> session_for(const std::string& secret) {
    std::lock_guard lock(mu);
    std::optional<std::string> found;
    for (const auto& [session, s] : secrets) {
      // Every secret is compared (no early exit), each comparison constant-time.
      if (crypto::constant_time_equal(as_bytes(s), as_bytes(secret))) found = session;
    }
    return found;
  }
};

void ApprovalSocket::Impl::reap() {
  for (auto it = conns.begin(); it != conns.end();) {
    if (it->done) {
      it->thread.join();
      it = conns.erase(it);
    } else {
      ++it;
    }
  }
}

void ApprovalSocket::Impl::accept_loop() {
  for (;;) {
    pollfd p[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents != 0) return;
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != ::geteuid()) {
      ++stats.refused_peer;
      (void)write_all(fd, encode_answer({false, "refused: not the agent's user"}));
      ::close(fd);
      continue;
    }
    std::lock_guard lock(mu);
    reap();
    if (active >= options.max_connections) {
      ++stats.overloaded;
      (void)write_all(fd, encode_answer({false, "the agent is busy with other approvals"}));
      ::close(fd);
      continue;
    }
    ++active;
    auto& c = conns.emplace_back();
    c.fd = fd;
    c.thread = std::thread([this, conn = &c] { serve(conn); });
  }
}

void ApprovalSocket::Impl::serve(Conn* c) {
  const auto finish = [&](const Decision& d) {
    (d.allow ? stats.allowed : stats.denied)++;
    (void)write_all(c->fd, encode_answer(d));
  };
  ++stats.requests;
  auto line = read_line(c->fd, Clock::now() + options.read_timeout);
  auto req = line ? parse_request(*line) : Result<Request>(Error{1, "no request"});
  if (!req) {
    ++stats.malformed;
    finish({false, "malformed request"});
  } else if (auto session = session_for(req->secret); !session) {
    ++stats.refused_secret;
    finish({false, "refused: unknown session"});
  } else {
    Decision d;
    try {
      d = handler(*session, req->call);
    } catch (...) {
      d = {false, "the agent failed to decide"};
    }
    finish(d);
  }
  ::shutdown(c->fd, SHUT_RDWR);
  std::lock_guard lock(mu);
  ::close(c->fd);
  c->fd = -1;
  --active;
  c->done = true;
}

Result<std::unique_ptr<ApprovalSocket>> ApprovalSocket::open(const std::string& path, Handler handler,
                                                             Options options) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return Error{1, "approval socket path is too long for a Unix socket: " + path};
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Error{1, path + " exists and is not a socket; refusing to replace it"};
    ::unlink(path.c_str());  // left by a crash
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->handler = std::move(handler);
  impl->options = options;
  impl->listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (impl->listen_fd < 0) return Error{1, std::string("socket: ") + std::strerror(errno)};
  const mode_t old = ::umask(0177);  // the file is born 0600
  const int b = ::bind(impl->listen_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int saved = errno;
  ::umask(old);
  if (b != 0 || ::chmod(path.c_str(), 0600) != 0 || ::listen(impl->listen_fd, 64) != 0 ||
      ::pipe2(impl->wake, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(b != 0 ? saved : errno);
    ::close(impl->listen_fd);
    if (b == 0) ::unlink(path.c_str());
    return Error{1, "cannot listen on " + path + ": " + why};
  }
  auto* raw = impl.get();
  impl->acceptor = std::thread([raw] { raw->accept_loop(); });
  return std::unique_ptr<ApprovalSocket>(new ApprovalSocket(std::move(impl)));
}

ApprovalSocket::ApprovalSocket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApprovalSocket::~ApprovalSocket() {
  auto& i = *impl_;
  while (::write(i.wake[1], "x", 1) < 0 && errno == EINTR) {
  }
  i.acceptor.join();
  {
    std::lock_guard lock(i.mu);
    for (auto& c : i.conns) {
      if (c.fd >= 0) ::shutdown(c.fd, SHUT_RDWR);
    }
  }
  for (auto& c : i.conns) c.thread.join();
  ::close(i.listen_fd);
  ::close(i.wake[0]);
  ::close(i.wake[1]);
  ::unlink(i.path.c_str());
}

std::string ApprovalSocket::add_session(const std::string& session) {
  const std::string secret = crypto::hex_encode(crypto::random(32));
  std::lock_guard lock(impl_->mu);
  impl_->secrets[session] = secret;
  return secret;
}

void ApprovalSocket::remove_session(const std::string& session) {
  std::lock_guard lock(impl_->mu);
  impl_->secrets.erase(session);
}

const std::string& ApprovalSocket::path() const { return impl_->path; }
const SocketStats& ApprovalSocket::stats() const { return impl_->stats; }

}  // namespace bw::agent::hook
