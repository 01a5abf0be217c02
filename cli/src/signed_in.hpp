// What the terminal client's relay commands share (message_commands.cpp): a signed-in
// session with a fresh access token, device assertions from auth, id parsing.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auth_commands.hpp"
#include "bw/e2e/protocol.hpp"
#include "bw/http/client.hpp"
#include "bw/result.hpp"
#include "client_session.hpp"

namespace bw::cli {

struct Signed {
  std::string home;
  Session session;
  std::unique_ptr<http::Client> http;
  std::string token;
  std::string relay_ca;
};

// The client's folder, session and a valid access token (refreshed when needed).
Result<Signed> sign_in(const CommandEnv& env);
// A device assertion for this client device from auth (POST /v1/device/assertion).
Result<std::string> device_assertion(Signed& s, const e2e::Id& device);
// 32 hex digits → id.
std::optional<e2e::Id> parse_id(const std::string& hex);

}  // namespace bw::cli
