// Fuzzes the WebSocket server's handling of whatever a client sends (libs/ws): the input is
// written, as is, to a fresh loopback connection of a real (plaintext) server — the HTTP
// upgrade request, then, if it upgraded, frames — and the connection is half-closed and
// read to its end. The server must never crash, hang, leak or echo beyond its limits;
// each connection must end (the read reaches EOF within the handshake/idle limits). Seeds
// (corpus/fuzz_ws_handshake/, made by make_ws_seeds.py) start with valid upgrades so the
// frame parser is reached: masked binary/text/fragmented/control/oversized frames.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "bw/ws/server.hpp"

namespace {

class Echo final : public bw::ws::Handler {
 public:
  void on_open(std::shared_ptr<bw::ws::Connection>) override {}
  void on_message(bw::ws::Connection& c, std::string bytes) override { c.send(std::move(bytes)); }
  void on_close(bw::ws::Connection&, const bw::ws::CloseInfo&) override {}
};

bw::ws::Server& server() {
  static Echo handler;
  static std::unique_ptr<bw::ws::Server> s = [] {
    bw::ws::ServerOptions o;
    o.plaintext = true;
    o.allowed_hosts = {"127.0.0.1", "localhost"};
    o.allowed_origins = {"https://app.example.com"};
    o.allow_missing_origin = true;
    o.max_message_bytes = 4096;
    o.max_outbound_bytes = 16 * 1024;
    o.handshake_timeout = std::chrono::milliseconds(200);
    o.idle_timeout = std::chrono::milliseconds(500);
    o.ping_interval = std::chrono::milliseconds(0);
    o.stop_timeout = std::chrono::milliseconds(100);
    auto r = bw::ws::start_server(o, handler);
    if (!r) std::abort();
    return std::move(r.value());
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& s = server();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(s.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // libFuzzer's timer signal interrupts blocking calls: EINTR is retried everywhere below.
  int err = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
  if (err == EINTR) {  // the connect goes on in the background: wait for its outcome
    pollfd p{fd, POLLOUT, 0};
    while (::poll(&p, 1, 3000) < 0 && errno == EINTR) {
    }
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  }
  if (err != 0) {
    std::fprintf(stderr, "fuzz_ws_handshake: cannot connect: errno %d\n", err);
    std::abort();
  }
  std::size_t sent = 0;
  while (sent < size) {
    const auto n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server closed (e.g. refused the request): fine
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  char buf[4096];
  std::size_t received = 0;
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        std::fprintf(stderr, "fuzz_ws_handshake: the server kept the connection open\n");
        std::abort();
      }
      break;  // reset
    }
    received += static_cast<std::size_t>(n);
    // An echo of at most the input, plus a response head and control frames.
    if (received > size + 64 * 1024) {
      std::fprintf(stderr, "fuzz_ws_handshake: %zu bytes back for %zu sent\n", received, size);
      std::abort();
    }
  }
  ::close(fd);
  return 0;
}
