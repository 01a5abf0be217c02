// An idle WebSocket client for relay_bench's memory cell: it opens the connection the way a
// real client does (TLS with the CA checked, upgrade on /v1/connect, ClientHello, Welcome)
// and then holds it without reading. Without a TLS context it speaks plain WebSocket, as
// the ingress in front of a relay with `relay.ws_plaintext: true` would. Blocking OpenSSL on one descriptor, no thread or
// io_context of its own: a ClientStream costs ~5 descriptors in this process, and 10,000
// of those do not fit under the container's descriptor limit.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "breakwater/relay/v1/relay.pb.h"

namespace bw::bench {

class IdleWsClient {
 public:
  IdleWsClient() = default;
  IdleWsClient(const IdleWsClient&) = delete;
  IdleWsClient& operator=(const IdleWsClient&) = delete;
  ~IdleWsClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }

  // A client TLS context that checks the relay's certificate against `ca_file`.
  static SSL_CTX* make_context(const std::string& ca_file) {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_load_verify_locations(c, ca_file.c_str(), nullptr);
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
    return c;
  }

  // Empty when the relay welcomed the client; otherwise what went wrong. `ctx` null: no TLS.
  std::string open(std::uint16_t port, SSL_CTX* ctx, const breakwater::relay::v1::ClientHello& hello) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return "socket() failed (out of descriptors?)";
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "connect() failed";
    if (ctx != nullptr) {
      ssl_ = SSL_new(ctx);
      SSL_set_fd(ssl_, fd_);
      SSL_set1_host(ssl_, "localhost");
      if (SSL_connect(ssl_) != 1) return "TLS handshake failed";
    }
    const std::string request = "GET /v1/connect HTTP/1.1\r\nHost: localhost:" + std::to_string(port) +
                                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: YnJlYWt3YXRlci1iZW5jaA==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (!write_all(request)) return "could not send the upgrade";
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos) {
      if (head.size() > 8192 || !fill(head)) return "no upgrade response";
    }
    if (head.rfind("HTTP/1.1 101", 0) != 0) return "upgrade refused: " + head.substr(0, head.find("\r\n"));
    pending_ = head.substr(head.find("\r\n\r\n") + 4);
    breakwater::relay::v1::ClientFrame frame;
    *frame.mutable_hello() = hello;
    if (!write_all(masked_binary_frame(frame.SerializeAsString()))) return "could not send ClientHello";
    std::string payload;
    if (!read_frame(payload)) return "no answer to ClientHello";
    breakwater::relay::v1::RelayFrame answer;
    if (!answer.ParseFromString(payload)) return "unparsable answer to ClientHello";
    if (answer.has_error()) return "relay refused: " + answer.error().message();
    if (!answer.has_welcome()) return "first answer was not Welcome";
    return "";
  }

 private:
  static std::string masked_binary_frame(const std::string& payload) {
    std::string f(1, '\x82');  // FIN, binary
    const std::size_t n = payload.size();
    if (n < 126) {
      f += static_cast<char>(0x80 | n);
    } else {
      f += static_cast<char>(0x80 | 126);
      f += static_cast<char>((n >> 8) & 0xff);
      f += static_cast<char>(n & 0xff);
    }
    unsigned char mask[4];
    RAND_bytes(mask, sizeof mask);
    f.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < n; ++i) f += static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4]));
    return f;
  }

  bool write_all(const std::string& bytes) {
    if (ssl_ == nullptr) return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }

  bool fill(std::string& into) {
    char buf[4096];
    const int n = ssl_ != nullptr ? SSL_read(ssl_, buf, sizeof buf) : static_cast<int>(::recv(fd_, buf, sizeof buf, 0));
    if (n <= 0) return false;
    into.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  bool take(std::size_t n, std::string& out) {
    while (pending_.size() < n) {
      if (!fill(pending_)) return false;
    }
    out = pending_.substr(0, n);
    pending_.erase(0, n);
    return true;
  }

  // One unfragmented, unmasked frame from the server (the relay sends nothing else here).
  bool read_frame(std::string& payload) {
    std::string h;
    if (!take(2, h)) return false;
    std::size_t n = static_cast<unsigned char>(h[1]) & 0x7f;
    if (n == 126 || n == 127) {
      std::string ext;
      if (!take(n == 126 ? 2 : 8, ext)) return false;
      n = 0;
      for (const char c : ext) n = (n << 8) | static_cast<unsigned char>(c);
    }
    return take(n, payload);
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string pending_;
};

}  // namespace bw::bench
