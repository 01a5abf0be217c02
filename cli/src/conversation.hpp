// One conversation of the terminal client with one paired agent over the relay, as the
// session commands use it (session_commands.cpp): the WebSocket, this process's sending
// epoch for the pairing (its lock held; opened with auth's device assertion, closed
// cleanly at the end), and the agent's messages — opened, committed, acknowledged after the
// offset is saved, so nothing is shown twice or lost between commands. Messages of other
// agents paired with this device arriving meanwhile are opened, committed and printed on
// stderr ("[agent 1a2b3c4d] …"), never dropped. Pings are answered and the access token refreshed every 4 minutes.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "auth_commands.hpp"
#include "bw/e2e/session.hpp"
#include "bw/result.hpp"

namespace bw::cli {

class Conversation {
 public:
  // Signs in, finds the pairing with `agent_hex`, takes its lock, fetches an assertion and
  // connects. Errors are for the user ("no pairing with agent device …").
  static Result<std::unique_ptr<Conversation>> open(const CommandEnv& env, const std::string& agent_hex);
  ~Conversation();

  Status send(e2e::Kind kind, ByteView body);
  Status send(e2e::Kind kind, const std::string& body) { return send(kind, as_bytes(body)); }
  // The agent's next message, or nullopt at the timeout. Errors: the connection ended, or
  // the relay refused one of ours (its code in the message).
  Result<std::optional<e2e::Message>> next(std::chrono::milliseconds timeout);

  struct Impl;

 private:
  explicit Conversation(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::cli
