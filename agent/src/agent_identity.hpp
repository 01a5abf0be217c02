// The agent's identity after `breakwater-agent login`: which auth service it belongs to,
// its ids and its device token, in <state folder>/identity.json (private_file.hpp: 0600,
// synced). The device token is a credential: it is never printed or logged.
#pragma once

#include <string>

#include "bw/result.hpp"

namespace bw::agent {

struct AgentIdentity {
  std::string auth_url;    // https://… of the auth public API
  std::string ca_file;     // PEM CA that verifies it ("" = system store)
  std::string web_origin;  // origin of the web client, for pairing links
  std::string tenant_id, user_id, device_id;  // 32 hex each
  std::string device_name;
  std::string device_token;  // bwdt_…
};

inline constexpr const char* kIdentityFile = "identity.json";

Status save_identity(const std::string& dir, const AgentIdentity& id);
// Errors: not signed in (no file: "run breakwater-agent login"), unreadable or malformed.
Result<AgentIdentity> load_identity(const std::string& dir);

}  // namespace bw::agent
