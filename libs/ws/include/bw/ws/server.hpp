// A WebSocket server over TLS: transport only (binary messages in, binary messages out), for
// the relay's clients. Beast, Asio and OpenSSL stay inside libs/ws/src.
//
// Guarantees:
//  - TLS 1.2+ unless `plaintext` is set explicitly (only behind a TLS-terminating proxy).
//  - The upgrade is refused before any WebSocket exists, with a bare HTTP status and an
//    empty body (nothing of the request is echoed or logged): any query string or fragment
//    on the target → 400 (a token in the URL never gets further; the target is never logged);
//    a path other than `path` → 404; not a WebSocket upgrade → 426; a Host not in
//    `allowed_hosts` or an Origin not in `allowed_origins` (exact; a missing Origin only with
//    `allow_missing_origin`; repeated Host/Origin headers refused) → 403; `max_connections`
//    already open → 503. Malformed HTTP or headers over 8 KiB → 400. A peer that has not
//    finished TLS + the upgrade request within `handshake_timeout` is disconnected; at most
//    `max_handshakes` handshakes run at once (more are closed at accept).
//  - Only binary messages: a text message closes with 1003. A message longer than
//    `max_message_bytes` closes with 1009 and is never buffered past that limit.
//  - Liveness: after `ping_interval` with nothing from the peer the server sends a ping; a
//    peer silent for another `ping_interval` (no pong) is disconnected. A connection with no
//    data message in either direction for `idle_timeout` closes with 1000 "idle timeout".
//  - Bounded memory: each connection queues at most `max_outbound_bytes` of unsent data;
//    a send() beyond that drops the queue and closes with 1008 "slow reader". No large
//    per-connection buffer is preallocated; the read buffer is shrunk back after a big
//    message.
//  - Every close sends a close frame when the peer can take one and tears the socket down
//    at most `handshake_timeout` later whatever the peer does.
//
// Threading: handler callbacks run on the server's I/O threads, serialised per connection:
// on_open, then on_message in arrival order (never two at once for one connection), then
// on_close exactly once. The next message is not read until on_message returns
// (backpressure), so handlers must be quick and must not block; hand work to another
// thread or actor. Connection::send/close may be called from any thread, at any time, even
// after the connection is gone (they then do nothing).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "bw/ws/close.hpp"

namespace bw::ws {

// One upgraded WebSocket. Shared by the server and whoever keeps the pointer from on_open.
class Connection {
 public:
  virtual ~Connection() = default;
  // Unique within one Server, never reused.
  virtual std::uint64_t id() const = 0;
  // The peer's IP address (no port).
  virtual const std::string& remote_address() const = 0;
  // Queues one binary message. False when the connection is closing/closed, or when the
  // message would take the queue over max_outbound_bytes — which also drops the queue and
  // closes the connection with 1008 "slow reader". Thread-safe.
  virtual bool send(std::string bytes) = 0;
  // Sends what is already queued, then a close frame. Thread-safe and idempotent: the first
  // close (or the server's own) wins. `reason` is at most 123 bytes (longer is cut).
  virtual void close(std::uint16_t code, std::string reason) = 0;
  // Bytes accepted by send() and not yet written to the socket.
  virtual std::size_t queued_bytes() const = 0;
  // For the owner's bookkeeping (e.g. a session id); the server never reads it. Thread-safe.
  virtual void set_user_data(std::uint64_t value) = 0;
  virtual std::uint64_t user_data() const = 0;
};

// Implemented by the relay. See the threading rules above. A callback that throws closes the
// connection with 1011 (on_close still follows).
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void on_open(std::shared_ptr<Connection> connection) = 0;
  // One whole binary message.
  virtual void on_message(Connection& connection, std::string bytes) = 0;
  virtual void on_close(Connection& connection, const CloseInfo& info) = 0;
};

enum ServerError : int { kBadOptions = 400, kBadTls = 401, kCannotListen = 402 };

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one (see port())
  bool plaintext = false;              // only when TLS ends at a proxy in front
  std::string cert_pem;                // certificate chain; required unless plaintext
  std::string key_pem;
  std::string path = "/v1/connect";         // the one request path that upgrades
  std::vector<std::string> allowed_origins;  // serialised origins, e.g. "https://app.example.com"
  // Browsers always send Origin on a WebSocket handshake, so allowing its absence admits
  // only non-browser clients (the terminal client) and does not weaken the browser check.
  // Off by default: a deployment turns it on when such clients connect.
  bool allow_missing_origin = false;
  std::vector<std::string> allowed_hosts;  // Host header names, optionally with a port
  std::size_t max_message_bytes = 1 << 20;
  std::size_t max_outbound_bytes = 4 << 20;  // must exceed the largest message sent
  std::size_t max_connections = 10'000;
  std::size_t max_handshakes = 256;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds idle_timeout{300'000};
  std::chrono::milliseconds ping_interval{30'000};  // 0: no pings
  std::chrono::milliseconds stop_timeout{2'000};    // stop(): wait this long for close handshakes
  std::size_t io_threads = 1;
};

// Counters since start. Each refusal and each close moves exactly one counter.
struct Stats {
  std::atomic<std::uint64_t> accepted{0};  // upgraded connections
  struct Refused {
    std::atomic<std::uint64_t> path{0}, query{0}, origin{0}, host{0}, not_upgrade{0}, malformed{0}, capacity{0},
        tls{0}, handshake_timeout{0};
  } refused;
  struct Closed {
    // idle: idle_timeout or no pong; peer: the peer closed or vanished; server: close(),
    // stop() or a throwing handler.
    std::atomic<std::uint64_t> idle{0}, slow_reader{0}, too_large{0}, text{0}, peer{0}, server{0};
  } closed;
  std::atomic<std::uint64_t> messages_in{0}, bytes_in{0}, messages_out{0}, bytes_out{0};
};

class Server {
 public:
  virtual ~Server() = default;  // stop()s first
  virtual std::uint16_t port() const = 0;
  // Upgraded connections now open.
  virtual std::size_t open_connections() const = 0;
  virtual const Stats& stats() const = 0;
  // Stops accepting, closes every connection with 1001 "going away", waits up to
  // stop_timeout for close handshakes, cuts the rest, joins every thread. Every on_open has
  // had its on_close when it returns, and no callback runs afterwards. Idempotent. Never
  // call it from a callback (it joins the thread the callback runs on).
  virtual void stop() = 0;
};

// Listens and starts the I/O threads. `handler` must outlive the server (or its stop()).
// Connection pointers may outlive the server; their send()/close() then do nothing.
// Errors: kBadOptions (empty path/hosts, no origin rule, zero limits), kBadTls, kCannotListen.
Result<std::unique_ptr<Server>> start_server(ServerOptions options, Handler& handler);

}  // namespace bw::ws
