// The agent's end of the approval hook (DESIGN §5): a Unix stream socket in the agent's
// private folder through which `breakwater-agent hook` (run by Claude Code) asks for a
// decision on one tool call.
//
// Who may ask: the socket file is created 0600 inside the 0700 private folder; each
// connection's peer uid (SO_PEERCRED) must be the agent's own uid; and the request must
// carry the secret of a live session (add_session(): 32 random bytes, hex, handed to the
// session's Claude Code through its environment), compared in constant time. Anything else
// is answered "deny" and counted — a process of another user never reaches the handler,
// and a local process of the same user without the secret cannot obtain or forge a
// decision (it can only be denied).
//
// Each accepted connection gets one thread that reads one request line (at most
// hook::kMaxLine bytes, within `read_timeout`), calls the handler — which may block while
// the phones are asked, bounded by the approval timeout — and writes one answer line. At
// most `max_connections` at once; beyond, a connection is answered "deny" at once.
// The destructor stops accepting, shuts the open connections down, joins every thread
// (handlers must return) and unlinks the socket.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "hook/hook_wire.hpp"

namespace bw::agent::hook {

struct SocketStats {
  std::atomic<std::uint64_t> requests{0}, allowed{0}, denied{0}, refused_peer{0}, refused_secret{0}, malformed{0},
      overloaded{0};
};

class ApprovalSocket {
 public:
  // Called with the session label given to add_session() and the parsed call.
  using Handler = std::function<Decision(const std::string& session, const HookCall& call)>;
  struct Options {
    std::size_t max_connections = 64;
    std::chrono::milliseconds read_timeout{5000};
  };

  // Errors: the path is too long for a Unix socket, exists and is not a socket, or cannot be
  // bound. A stale socket left by a crash is replaced.
  static Result<std::unique_ptr<ApprovalSocket>> open(const std::string& path, Handler handler, Options options);
  static Result<std::unique_ptr<ApprovalSocket>> open(const std::string& path, Handler handler) {
    return open(path, std::move(handler), Options{});
  }
  ~ApprovalSocket();
  ApprovalSocket(const ApprovalSocket&) = delete;
  ApprovalSocket& operator=(const ApprovalSocket&) = delete;

  // A new secret for `session` (replacing its previous one); remove_session() ends it.
  std::string add_session(const std::string& session);
  void remove_session(const std::string& session);

  const std::string& path() const;
  const SocketStats& stats() const;

 private:
  struct Impl;
  explicit ApprovalSocket(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::agent::hook
