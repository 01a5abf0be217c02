// Test helpers for libs/ws: a development PKI, a raw (hand-driven) client that speaks bytes
// over TLS or TCP so tests can send what a well-behaved client never would, WebSocket frame
// encoding/decoding for it, and a recording Handler whose state tests wait on.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bw/ws/server.hpp"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace bw::ws::testing {

// The suite's certificates (scripts/dev-pki.sh, made once per process).
struct Pki {
  std::string ca_file;
  std::string cert_pem;
  std::string key_pem;
};
const Pki& pki();

// A TLS (ca_file given) or plain TCP connection to 127.0.0.1:port driven byte by byte.
class RawConn {
 public:
  // rcvbuf > 0 shrinks the socket's receive buffer (a peer that reads slowly).
  RawConn(std::uint16_t port, const std::string* ca_file, int rcvbuf = 0);
  ~RawConn();
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  bool connected() const { return connected_; }
  bool send(const std::string& bytes);
  // Up to `max` bytes, "" on EOF/error/timeout (the socket has a 5 s receive timeout).
  std::string read_some(std::size_t max = 4096);
  // Reads an HTTP response head (through "\r\n\r\n"); "" when the server closed first.
  std::string read_head();
  // Reads until EOF (or the receive timeout); true when the server closed the connection.
  bool closed_by_server();
  // Sends an upgrade request and reads the 101; false when anything else came back.
  bool upgrade(const std::string& path = "/v1/connect", const std::string& origin = "https://app.example.com");
  // One whole frame from the server: {opcode, payload}; nullopt on EOF.
  std::optional<std::pair<int, std::string>> read_frame();
  // Closes the socket at once, without a TLS close_notify or a WebSocket close.
  void vanish();
  // Writes `bytes` to the TCP socket itself, past TLS (a corrupted record).
  bool send_past_tls(const std::string& bytes);

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
  std::string pending_;
  bool fill();
};

std::string upgrade_request(const std::string& target, const std::string& host,
                            const std::optional<std::string>& origin);
// A masked client frame (fin set unless `more`).
std::string client_frame(int opcode, const std::string& payload, bool more = false);
int status_of(const std::string& head);

// Records everything the server reports; echoes messages when `echo`.
class RecordingHandler final : public Handler {
 public:
  bool echo = true;
  std::function<void(Connection&, const std::string&)> on_each;  // runs inside on_message

  void on_open(std::shared_ptr<Connection> c) override;
  void on_message(Connection& c, std::string bytes) override;
  void on_close(Connection& c, const CloseInfo& info) override;

  // Waits (up to `timeout`) until `pred()` holds; false if it never did.
  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::size_t opened();
  std::size_t closed();
  // Drops every connection it holds and what it recorded (only between servers).
  void forget();
  std::vector<std::shared_ptr<Connection>> connections();
  std::optional<CloseInfo> close_of(std::uint64_t id);
  std::vector<std::string> messages_of(std::uint64_t id);
  bool overlap_seen() const { return overlap_.load(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::map<std::uint64_t, CloseInfo> closes_;
  std::map<std::uint64_t, std::vector<std::string>> messages_;
  std::map<std::uint64_t, std::unique_ptr<std::atomic<bool>>> busy_;
  std::atomic<bool> overlap_{false};
};

// The process's resident set size in bytes (from /proc/self/statm).
std::size_t rss_bytes();
// Bytes the process has allocated on the heap and not freed (ASan's count under ASan).
std::size_t heap_bytes();

// Server options for the tests: TLS with the suite's certificate on 127.0.0.1:0, the
// default path, app.example.com as the only origin, 127.0.0.1/localhost as hosts.
ServerOptions test_options();

}  // namespace bw::ws::testing
