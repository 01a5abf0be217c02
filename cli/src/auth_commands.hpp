// `breakwater login`, `pair` and `devices`: the terminal client's commands against the auth
// service (docs/operations.md, "Agent and terminal client"). Each returns the exit code (0
// success, 1 failure, 2 usage); none prints a password, token or key.
#pragma once

#include <string>
#include <vector>

namespace bw::cli {

struct CommandEnv {
  std::string home_setting;  // client.state_dir ("" = default folder)
  std::string auth_url;      // client.auth_url
  std::string ca_file;       // client.ca_file
};

int login_command(const CommandEnv& env, const std::vector<std::string>& args);
int pair_command(const CommandEnv& env, const std::vector<std::string>& args);
int devices_command(const CommandEnv& env, const std::vector<std::string>& args);

}  // namespace bw::cli
