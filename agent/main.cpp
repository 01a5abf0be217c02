// breakwater-agent: runs on the user's machine; holds one encrypted stream to the relay and
// runs Claude Code sessions for paired clients (DESIGN §5). It opens no listening port.
#include <iostream>
#include <string>
#include <vector>

#include "bw/config/config.hpp"
#include "hook/hook_command.hpp"
#include "auth_commands.hpp"
#include "bw/log/log.hpp"
#include "state_dir.hpp"

namespace {

constexpr const char* kUsage =
    "breakwater-agent — runs Claude Code sessions on this machine for your paired devices\n\n"
    "Usage: breakwater-agent [--config FILE] [COMMAND]\n\n"
    "Commands:\n"
    "  run [--echo]   start the agent and stay in the foreground (default); --echo is a\n"
    "                 diagnostic: answer each prompt with \"echo: <text>\"\n"
    "  check          validate the configuration and the private state folder, then exit\n"
    "  login --auth URL [--name NAME] [--ca FILE]\n"
    "                 register this machine with your account (device code to approve)\n"
    "  pair [--role member|viewer|admin]\n"
    "                 pair a phone, browser or terminal: QR code, link, 6-digit check\n"
    "  pairings       list this agent's pairings\n"
    "  unpair ID      revoke a pairing and erase its keys here\n"
    "  hook           (run by Claude Code, not by you) the approval hook: reads a tool call\n"
    "                 on stdin, asks the agent, prints allow or deny; denies on any error\n"
    "  help           show this text\n"
    "  version        print the version\n\n"
    "The agent opens no listening port; it keeps its keys and pairing state in a private\n"
    "folder (mode 0700) that it refuses to use if anyone else can read it.\n"
    "`breakwater-agent COMMAND --help` explains a command's options.\n\n"
    "Configuration keys (each overridable by the environment variable shown):\n";

bw::config::Schema agent_schema() {
  bw::config::Schema s;
  // Keys live in the `agent` section so their environment variables (BREAKWATER_AGENT_*)
  // never collide with a service's or the terminal client's on the same machine.
  s.add({.path = "agent.relay_address", .default_value = "127.0.0.1:7440", .help = "relay gRPC address (host:port)"});
  s.add({.path = "agent.relay_ca_file", .default_value = "",
         .help = "PEM CA that verifies the relay (empty: the system trust store, for a public relay)"});
  s.add({.path = "agent.relay_server_name", .default_value = "",
         .help = "name expected in the relay certificate, if not the host"});
  s.add({.path = "agent.auth_issuer", .default_value = "",
         .help = "iss of the device assertions clients send (auth's auth.issuer); empty: the auth URL of login"});
  s.add({.path = "agent.auth_audience", .default_value = "breakwater",
         .help = "aud of those assertions (auth's auth.audience)"});
  s.add({.path = "agent.project_roots", .type = bw::config::Type::kStringList, .default_value = "[]",
         .help = "folders under which sessions may start (symlinks resolved; empty: no sessions)"});
  s.add({.path = "agent.trusted_projects", .type = bw::config::Type::kStringList, .default_value = "[]",
         .help = "project folders whose own .claude settings (allow rules, hooks) you trust"});
  s.add({.path = "agent.claude_path", .default_value = "claude", .help = "the Claude Code executable (PATH is searched)"});
  s.add({.path = "agent.approval_timeout", .type = bw::config::Type::kDuration, .default_value = "120s",
         .help = "how long a tool call waits for a paired device's answer before it is denied", .min = 5000,
         .max = 3600000});
  s.add({.path = "agent.max_sessions", .type = bw::config::Type::kInt, .default_value = "8",
         .help = "Claude Code sessions running at once; a start beyond is refused", .min = 1, .max = 64});
  s.add({.path = "agent.api_billing", .type = bw::config::Type::kBool, .default_value = "false",
         .help = "pass ANTHROPIC_API_KEY to Claude Code (you chose API billing)"});
  s.add({.path = "agent.user_hook", .type = bw::config::Type::kBool, .default_value = "false",
         .help = "also send tool calls of Claude Code sessions you start yourself to your phones (adds the "
                 "approval hook to ~/.claude/settings.json while the agent runs)"});
  s.add({.path = "agent.claude_env_passthrough", .type = bw::config::Type::kStringList, .default_value = "[]",
         .help = "further environment variables passed to Claude Code (never BREAKWATER_*)"});
  s.add({.path = "agent.state_dir", .default_value = "",
         .help = "private state folder, absolute (default ~/.local/state/breakwater-agent)"});
  s.add({.path = "log.level", .default_value = "info", .help = "debug, info, warn or error",
         .one_of = {"debug", "info", "warn", "error"}});
  return s;
}

int check(const bw::config::Values& v) {
  const std::string dir = v.str("agent.state_dir").empty() ? bw::agent::default_state_dir() : v.str("agent.state_dir");
  if (auto st = bw::agent::ensure_private_dir(dir); !st) {
    std::cerr << "breakwater-agent: " << st.error().message << "\n";
    return 1;
  }
  std::cout << "configuration and state folder are valid\n";

  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The approval hook runs before anything that could fail open: no configuration, no state
  // folder, only its environment (hook/hook_command.hpp).
  if (argc >= 2 && std::string_view(argv[1]) == "hook") return bw::agent::hook::hook_command(argc - 1, argv + 1);
  std::string config_path, command = "run";
  std::vector<std::string> command_args;  // what follows login/pair/pairings/unpair
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "login" || a == "pair" || a == "pairings" || a == "unpair" || a == "run") {
      command = a;
      command_args.assign(argv + i + 1, argv + argc);
      break;
    }
    if (a == "--config" && i + 1 < argc) config_path = argv[++i];
    else if (a == "--help" || a == "-h") command = "help";
    else if (a == "--version") command = "version";
    else if (a == "check" || a == "help" || a == "version") command = a;
    else return std::cerr << "breakwater-agent: unknown argument '" << a << "' (see --help)\n", 2;
  }
  const auto schema = agent_schema();
  if (command == "help") return std::cout << kUsage << schema.describe(), 0;
  if (command == "version") return std::cout << "breakwater-agent " << BW_VERSION << "\n", 0;
  auto values = bw::config::load_file(schema, config_path, bw::config::process_environment());
  if (!values) return std::cerr << "breakwater-agent: " << values.error().message << "\n", 2;
  bw::log::set_service("agent");
  bw::log::Level level{};
  if (bw::log::parse_level(values->str("log.level"), level)) bw::log::set_level(level);
  const bw::agent::RelayTarget relay{values->str("agent.relay_address"), values->str("agent.relay_ca_file"),
                                    values->str("agent.relay_server_name")};
  if (command == "login" || command == "pair" || command == "pairings" || command == "unpair" || command == "run") {
    const std::string dir = values->str("agent.state_dir").empty() ? bw::agent::default_state_dir() : values->str("agent.state_dir");
    const bool help = !command_args.empty() && (command_args[0] == "--help" || command_args[0] == "-h");
    if (auto st = help ? bw::Status{} : bw::agent::ensure_private_dir(dir); !st) return std::cerr << "breakwater-agent: " << st.error().message << "\n", 1;
    if (command == "login") return bw::agent::login_command(dir, command_args);
    if (command == "pair") return bw::agent::pair_command(dir, command_args, relay);
    if (command == "run") {
      bw::agent::session::SessionSettings sessions;
      sessions.claude_path = values->str("agent.claude_path");
      sessions.project_roots = values->list("agent.project_roots");
      sessions.trusted_projects = values->list("agent.trusted_projects");
      sessions.approval_timeout =
          std::chrono::duration_cast<std::chrono::seconds>(values->duration("agent.approval_timeout"));
      sessions.api_billing = values->boolean("agent.api_billing");
      sessions.env_passthrough = values->list("agent.claude_env_passthrough");
      sessions.user_hook = values->boolean("agent.user_hook");
      sessions.max_sessions = static_cast<int>(values->integer("agent.max_sessions"));
      return bw::agent::run_command(dir, command_args, relay,
                                    {values->str("agent.auth_issuer"), values->str("agent.auth_audience")}, sessions);
    }
    if (command == "pairings") return bw::agent::pairings_command(dir, command_args);
    return bw::agent::unpair_command(dir, command_args);
  }
  return check(values.value());
}
