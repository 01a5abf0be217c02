// The agent's identity file (agent_identity.hpp).
#include "agent_identity.hpp"

#include <nlohmann/json.hpp>

#include "private_file.hpp"

namespace bw::agent {

Status save_identity(const std::string& dir, const AgentIdentity& id) {
  nlohmann::json j = {{"version", 1},          {"auth_url", id.auth_url},   {"ca_file", id.ca_file},
                      {"web_origin", id.web_origin}, {"tenant_id", id.tenant_id}, {"user_id", id.user_id},
                      {"device_id", id.device_id},   {"device_name", id.device_name},
                      {"device_token", id.device_token}};
  return write_private_file(dir, kIdentityFile, j.dump());
}

Result<AgentIdentity> load_identity(const std::string& dir) {
  auto text = read_private_file(dir, kIdentityFile);
  if (!text) return text.error();
  if (!text->has_value()) return Error{kPrivateFileIo, "this agent is not signed in: run breakwater-agent login --auth URL"};
  const auto j = nlohmann::json::parse(**text, nullptr, false);
  auto bad = Error{kPrivateFileIo, dir + "/" + kIdentityFile + " is damaged: run breakwater-agent login again"};
  if (!j.is_object() || j.value("version", 0) != 1) return bad;
  AgentIdentity id;
  for (auto [key, field] : {std::pair{"auth_url", &id.auth_url}, {"ca_file", &id.ca_file}, {"web_origin", &id.web_origin},
                            {"tenant_id", &id.tenant_id}, {"user_id", &id.user_id}, {"device_id", &id.device_id},
                            {"device_name", &id.device_name}, {"device_token", &id.device_token}}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return bad;
    *field = it->get<std::string>();
  }
  if (id.auth_url.empty() || id.device_token.empty() || id.device_id.size() != 32) return bad;
  return id;
}

}  // namespace bw::agent
