// `breakwater login`, `pair` and `devices`: the terminal client's commands against the auth
// service (docs/operations.md, "Agent and terminal client"). Each returns the exit code (0
// success, 1 failure, 2 usage); none prints a password, token or key.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace bw::cli {

struct CommandEnv {
  std::string home_setting;  // client.state_dir ("" = default folder)
  std::string auth_url;      // client.auth_url
  std::string ca_file;       // client.ca_file
  std::string relay_address; // client.relay_address
};

int login_command(const CommandEnv& env, const std::vector<std::string>& args);
int pair_command(const CommandEnv& env, const std::vector<std::string>& args);
int devices_command(const CommandEnv& env, const std::vector<std::string>& args);
// message_commands.cpp
int send_command(const CommandEnv& env, const std::vector<std::string>& args);
int listen_command(const CommandEnv& env, const std::vector<std::string>& args);
// session_commands.cpp
int sessions_command(const CommandEnv& env, const std::vector<std::string>& args);
int start_command(const CommandEnv& env, const std::vector<std::string>& args);
int prompt_command(const CommandEnv& env, const std::vector<std::string>& args);
int attach_command(const CommandEnv& env, const std::vector<std::string>& args);
// Connects for a moment and collects the relay's Presence frames: device hex → "online" /
// "offline". Empty (and a note on stderr) when there is no pairing or no relay.
std::map<std::string, std::string> probe_presence(const CommandEnv& env, const std::string& home,
                                                  const std::string& token, const std::string& ca);

}  // namespace bw::cli
