// The agent's commands that talk to the auth service (docs/operations.md, "Agent and
// terminal client"): login (RFC 8628 device grant), pair, pairings, unpair. Each returns the
// process exit code (0 success, 1 failure, 2 usage) and prints for a human; none prints or
// logs a token, the pairing secret s or a key other than in the pairing link/QR itself.
#pragma once

#include <string>
#include <vector>

#include "session/session_plan.hpp"

namespace bw::agent {

int login_command(const std::string& state_dir, const std::vector<std::string>& args);
// Where the agent's relay stream goes (agent.relay_* configuration).
struct RelayTarget {
  std::string address, ca_file, server_name;
};

int pair_command(const std::string& state_dir, const std::vector<std::string>& args, const RelayTarget& relay);
// What device assertions must say (agent.auth_issuer, agent.auth_audience); an empty issuer
// means the auth URL the agent signed in to.
struct AssertionSettings {
  std::string issuer, audience = "breakwater";
};
// `run [--echo]`: the relay stream and the Inbox (run_command.cpp).
int run_command(const std::string& state_dir, const std::vector<std::string>& args, const RelayTarget& relay,
                const AssertionSettings& assertions, const session::SessionSettings& sessions);
int pairings_command(const std::string& state_dir, const std::vector<std::string>& args);
int unpair_command(const std::string& state_dir, const std::vector<std::string>& args);

extern const char* const kLoginUsage;
extern const char* const kPairUsage;

}  // namespace bw::agent
