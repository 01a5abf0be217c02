// breakwater: the terminal client. Commands are dispatched to one file each in src/.
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "bw/config/config.hpp"
#include "auth_commands.hpp"
#include "audit_commands.hpp"
#include "health_command.hpp"

namespace {

constexpr const char* kUsage =
    "breakwater — drive your Breakwater agents from a terminal\n\n"
    "Usage: breakwater [--config FILE] COMMAND [options]\n\n"
    "Commands:\n"
    "  login            sign in (breakwater login --auth URL --user LOGIN --tenant SLUG)\n"
    "  pair LINK        pair with an agent from the link `breakwater-agent pair` shows\n"
    "  devices          list your devices (with presence) and pairings\n"
    "  send AGENT TEXT  send TEXT as a prompt to a paired agent device\n"
    "  listen           print what your agents send (--count N, --timeout S)\n"
    "  sessions AGENT   list the Claude Code sessions on a paired agent\n"
    "  start AGENT DIR  start Claude Code in DIR on the agent (prints the session id)\n"
    "  prompt AGENT SESSION TEXT\n"
    "                   send TEXT to a running session\n"
    "  attach AGENT SESSION\n"
    "                   watch a session and allow or deny its tool calls\n"
    "  health ADDRESS   check a service's gRPC health (see breakwater health --help)\n"
    "  audit verify|export\n"
    "                   check your tenant's audit log offline, or export it (admins; operators: --help)\n"
    "  version          print the version\n"
    "  help             show this text and the configuration keys\n\n"
    "--config FILE (default $BREAKWATER_CONFIG) is checked before any command runs.\n"
    "`breakwater COMMAND --help` explains a command. The client keeps its session and keys in\n"
    "client.state_dir, else $BREAKWATER_HOME, else ~/.config/breakwater (mode 0700).\n\n"
    "Configuration keys (each overridable by the environment variable shown):\n";

bw::config::Schema client_schema() {
  bw::config::Schema s;
  // The `client` section keeps these variables (BREAKWATER_CLIENT_*) apart from the agent's.
  s.add({.path = "client.auth_url", .default_value = "https://127.0.0.1:8410", .help = "auth service public API"});
  s.add({.path = "client.relay_address", .default_value = "localhost:8440", .help = "relay WebSocket address (host:port, or a wss:// URL)"});
  s.add({.path = "client.ca_file", .default_value = "",
         .help = "PEM CA that verifies the services (empty: the system trust store, for a public deployment)"});
  s.add({.path = "client.state_dir", .default_value = "",
         .help = "private folder for this client's session and keys (default $BREAKWATER_HOME, else ~/.config/breakwater)"});
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  std::string config_path;
  if (const char* env = std::getenv("BREAKWATER_CONFIG")) config_path = env;
  if (argc > 2 && std::string_view(argv[1]) == "--config") {
    config_path = argv[2];
    first = 3;
  }
  if (argc <= first) return std::cerr << kUsage, 2;
  const std::string_view cmd = argv[first];
  const auto schema = client_schema();
  if (cmd == "help" || cmd == "--help" || cmd == "-h") return std::cout << kUsage << schema.describe(), 0;
  if (cmd == "version" || cmd == "--version") return std::cout << "breakwater " << BW_VERSION << "\n", 0;
  auto config = bw::config::load_file(schema, config_path, bw::config::process_environment());
  if (!config) return std::cerr << "breakwater: " << config.error().message << "\n", 2;
  if (cmd == "health") return bw::cli::health_command(argc - first - 1, argv + first + 1);
  const std::vector<std::string> args(argv + first + 1, argv + argc);
  const bw::cli::CommandEnv env{config->str("client.state_dir"), config->str("client.auth_url"), config->str("client.ca_file"),
                                config->str("client.relay_address")};
  if (cmd == "audit") return bw::cli::audit_command(env, argc - first - 1, argv + first + 1);
  if (cmd == "login") return bw::cli::login_command(env, args);
  if (cmd == "pair") return bw::cli::pair_command(env, args);
  if (cmd == "devices") return bw::cli::devices_command(env, args);
  if (cmd == "send") return bw::cli::send_command(env, args);
  if (cmd == "listen") return bw::cli::listen_command(env, args);
  if (cmd == "sessions") return bw::cli::sessions_command(env, args);
  if (cmd == "start") return bw::cli::start_command(env, args);
  if (cmd == "prompt") return bw::cli::prompt_command(env, args);
  if (cmd == "attach") return bw::cli::attach_command(env, args);
  std::cerr << "breakwater: unknown command '" << cmd << "'\n\n" << kUsage;
  return 2;
}
