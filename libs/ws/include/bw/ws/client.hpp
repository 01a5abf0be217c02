// A small synchronous WebSocket client over TLS, for the terminal client and the tests.
//
// Guarantees: the server's certificate is verified against `ca_file` (or the system's
// roots) and its name against the URL's host; a URL with a query, fragment or user info is
// refused (credentials never travel in a URL: send them in the first message); every call
// returns within its timeout; messages are binary; a message over `max_message_bytes`
// closes the connection (1009). Pings from the server are answered while the caller is
// inside send() or receive(), so a listener that sits in receive() stays alive.
//
// Threading: one Client is used by one thread at a time (not thread-safe).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bw/result.hpp"
#include "bw/ws/close.hpp"

namespace bw::ws {

enum ClientError : int { kBadUrl = 410, kConnectFailed = 411, kUpgradeRefused = 412, kTimedOut = 413, kClosed = 414 };

struct ClientOptions {
  std::string url;                    // wss://host[:port]/path
  std::optional<std::string> origin;  // sent as the Origin header when set
  std::string ca_file;                // PEM roots for the server; empty: the system's
  std::chrono::milliseconds timeout{10'000};  // the whole connect: TCP, TLS and upgrade
  std::size_t max_message_bytes = 1 << 20;
};

struct Received {
  enum class Kind { kMessage, kClosed, kTimeout };
  Kind kind = Kind::kTimeout;
  std::string bytes;  // kMessage: one whole binary message
  CloseInfo close;    // kClosed: by_peer true when the server closed or the transport ended
};

class Client {
 public:
  // Errors: kBadUrl, kConnectFailed (DNS, TCP, TLS, certificate), kUpgradeRefused (the
  // message names the HTTP status, e.g. "upgrade refused: HTTP 403"), kTimedOut.
  static Result<std::unique_ptr<Client>> connect(const ClientOptions& options);

  // Drops the connection without a close handshake; call close() first for a clean end.
  virtual ~Client() = default;
  // Sends one binary message. kClosed once the connection has ended; kTimedOut (the
  // connection is then unusable) when the server does not take it in time.
  virtual Status send(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(10)) = 0;
  // The next message, the end of the connection (then always the same answer), or kTimeout
  // (the connection stays usable: the next call continues waiting for the same message).
  virtual Received receive(std::chrono::milliseconds timeout) = 0;
  // Close handshake with `code`, waiting at most `timeout`; then the socket is closed.
  virtual void close(std::uint16_t code = kCloseNormal, std::string_view reason = "",
                     std::chrono::milliseconds timeout = std::chrono::seconds(2)) = 0;
};

}  // namespace bw::ws
