// Test helpers for libs/ws (see ws_test_support.hpp).
#include "ws_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <malloc.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();  // ASan's allocator interface
#endif

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "bw/testing/temp_dir.hpp"

namespace bw::ws::testing {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

const Pki& pki() {
  static const Pki p = [] {
    static auto dir = bw::testing::TempDir::create("bw-ws-pki-");
    if (!dir) std::abort();
    const std::string folder = (dir->path() / "pki").string();
    const std::string cmd = "bash '" BW_WS_SOURCE_DIR "/scripts/dev-pki.sh' '" + folder + "' relay >/dev/null";
    if (std::system(cmd.c_str()) != 0) std::abort();
    return Pki{folder + "/ca.pem", slurp(folder + "/relay.pem"), slurp(folder + "/relay-key.pem")};
  }();
  return p;
}

ServerOptions test_options() {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.cert_pem = pki().cert_pem;
  o.key_pem = pki().key_pem;
  o.allowed_origins = {"https://app.example.com"};
  o.allowed_hosts = {"127.0.0.1", "localhost"};
  o.handshake_timeout = std::chrono::milliseconds(1000);
  o.stop_timeout = std::chrono::milliseconds(500);
  return o;
}

RawConn::RawConn(std::uint16_t port, const std::string* ca_file, int rcvbuf) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (connected_ && ca_file) {
    // One context for every raw connection (as a real client would have), small when idle.
    static SSL_CTX* const shared = [&] {
      SSL_CTX* c = SSL_CTX_new(TLS_client_method());
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
      SSL_CTX_load_verify_locations(c, ca_file->c_str(), nullptr);
      SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
      return c;
    }();
    ssl_ = SSL_new(shared);
    SSL_set_fd(ssl_, fd_);
    SSL_set1_host(ssl_, "localhost");
    connected_ = SSL_connect(ssl_) == 1;
  }
}

RawConn::~RawConn() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

bool RawConn::send_past_tls(const std::string& bytes) {
  return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

void RawConn::vanish() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawConn::send(const std::string& bytes) {
  if (ssl_) return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

std::string RawConn::read_some(std::size_t max) {
  std::string buf(max, '\0');
  const int n = ssl_ ? SSL_read(ssl_, buf.data(), static_cast<int>(max))
                     : static_cast<int>(::recv(fd_, buf.data(), max, 0));
  if (n <= 0) return "";
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

bool RawConn::fill() {
  const auto more = read_some();
  pending_ += more;
  return !more.empty();
}

std::string RawConn::read_head() {
  while (true) {
    if (const auto end = pending_.find("\r\n\r\n"); end != std::string::npos) {
      auto head = pending_.substr(0, end + 4);
      pending_.erase(0, end + 4);
      return head;
    }
    if (!fill()) return "";
  }
}

bool RawConn::closed_by_server() {
  while (true) {
    char b[4096];
    const int n = ssl_ ? SSL_read(ssl_, b, sizeof b) : static_cast<int>(::recv(fd_, b, sizeof b, 0));
    if (n > 0) continue;
    if (n == 0 || (ssl_ && SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN)) return true;
    // A timeout (EAGAIN) means the server kept it open; anything else is a reset.
    return !(errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

bool RawConn::upgrade(const std::string& path, const std::string& origin) {
  if (!send(upgrade_request(path, "127.0.0.1", origin))) return false;
  return status_of(read_head()) == 101;
}

std::optional<std::pair<int, std::string>> RawConn::read_frame() {
  auto need = [this](std::size_t n) {
    while (pending_.size() < n) {
      if (!fill()) return false;
    }
    return true;
  };
  if (!need(2)) return std::nullopt;
  const int opcode = static_cast<unsigned char>(pending_[0]) & 0x0f;
  std::size_t len = static_cast<unsigned char>(pending_[1]) & 0x7f;
  std::size_t header = 2;
  if (len == 126 || len == 127) {
    const std::size_t bytes = len == 126 ? 2 : 8;
    if (!need(2 + bytes)) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < bytes; ++i) len = (len << 8) | static_cast<unsigned char>(pending_[2 + i]);
    header += bytes;
  }
  if (!need(header + len)) return std::nullopt;
  auto payload = pending_.substr(header, len);
  pending_.erase(0, header + len);
  return std::make_pair(opcode, payload);
}

std::string upgrade_request(const std::string& target, const std::string& host,
                            const std::optional<std::string>& origin) {
  std::string r = "GET " + target + " HTTP/1.1\r\nHost: " + host +
                  "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n";
  if (origin) r += "Origin: " + *origin + "\r\n";
  return r + "\r\n";
}

std::string client_frame(int opcode, const std::string& payload, bool more) {
  std::string f;
  f += static_cast<char>((more ? 0x00 : 0x80) | opcode);
  const std::size_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(0x80 | n);
  } else if (n <= 0xffff) {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(mask, 4);
  for (std::size_t i = 0; i < n; ++i) f += static_cast<char>(payload[i] ^ mask[i % 4]);
  return f;
}

int status_of(const std::string& head) { return head.size() > 12 ? std::stoi(head.substr(9, 3)) : 0; }

void RecordingHandler::on_open(std::shared_ptr<Connection> c) {
  {
    std::lock_guard lock(mu_);
    busy_.emplace(c->id(), std::make_unique<std::atomic<bool>>(false));
    connections_.push_back(std::move(c));
  }
  cv_.notify_all();
}

void RecordingHandler::on_message(Connection& c, std::string bytes) {
  std::atomic<bool>* busy = nullptr;
  {
    std::lock_guard lock(mu_);
    busy = busy_.at(c.id()).get();
  }
  if (busy->exchange(true)) overlap_ = true;
  if (on_each) on_each(c, bytes);
  if (echo) c.send(bytes);
  {
    std::lock_guard lock(mu_);
    messages_[c.id()].push_back(std::move(bytes));
  }
  busy->store(false);
  cv_.notify_all();
}

void RecordingHandler::on_close(Connection& c, const CloseInfo& info) {
  {
    std::lock_guard lock(mu_);
    closes_.emplace(c.id(), info);
  }
  cv_.notify_all();
}

bool RecordingHandler::wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  // `pred` runs without the lock (it may call the accessors); server stats move without a
  // notification, hence the short wake-ups.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(10));
  }
  return true;
}

std::size_t RecordingHandler::opened() {
  std::lock_guard lock(mu_);
  return connections_.size();
}

std::size_t RecordingHandler::closed() {
  std::lock_guard lock(mu_);
  return closes_.size();
}

void RecordingHandler::forget() {
  std::lock_guard lock(mu_);
  connections_.clear();
  closes_.clear();
  messages_.clear();
  busy_.clear();
}

std::vector<std::shared_ptr<Connection>> RecordingHandler::connections() {
  std::lock_guard lock(mu_);
  return connections_;
}

std::optional<CloseInfo> RecordingHandler::close_of(std::uint64_t id) {
  std::lock_guard lock(mu_);
  const auto it = closes_.find(id);
  return it == closes_.end() ? std::nullopt : std::optional<CloseInfo>(it->second);
}

std::vector<std::string> RecordingHandler::messages_of(std::uint64_t id) {
  std::lock_guard lock(mu_);
  return messages_[id];
}

std::size_t heap_bytes() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();  // live allocations, not ASan's quarantine
#else
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
#endif
}

std::size_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace bw::ws::testing
