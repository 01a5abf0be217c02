// breakwater login / devices (auth_commands.hpp).
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "auth_commands.hpp"
#include "client_session.hpp"

namespace bw::cli {
namespace {

constexpr const char* kLoginUsage =
    "Usage: breakwater login --auth URL --user LOGIN --tenant TENANT [--ca FILE]\n\n"
    "Signs in to your organisation. The password is read from the terminal without echo (or\n"
    "one line from standard input when it is not a terminal); a one-time code is asked for\n"
    "when your account uses two-factor sign-in. Only the session's refresh token is kept,\n"
    "in the client's private folder ($BREAKWATER_HOME, else ~/.config/breakwater, mode 0700).\n\n"
    "  --auth URL      the auth service, https://… (default: client.auth_url)\n"
    "  --user LOGIN    your login\n"
    "  --tenant SLUG   your organisation's short name\n"
    "  --ca FILE       PEM CA that verifies the auth service (default: client.ca_file, else\n"
    "                  the system trust store)\n";

// One line from the terminal without echo, or from stdin when it is not a terminal.
std::optional<std::string> read_secret(const std::string& prompt) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios old{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool ok = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
  }
  if (!ok) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int fail(const std::string& cmd, const std::string& msg, int code = 1) {
  std::cerr << "breakwater " << cmd << ": " << msg << "\n";
  return code;
}

}  // namespace

int login_command(const CommandEnv& env, const std::vector<std::string>& args) {
  Session s;
  s.auth_url = env.auth_url;
  s.ca_file = env.ca_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool v = i + 1 < args.size();
    if (args[i] == "--help" || args[i] == "-h") return std::cout << kLoginUsage, 0;
    if (args[i] == "--auth" && v) s.auth_url = args[++i];
    else if (args[i] == "--user" && v) s.login = args[++i];
    else if (args[i] == "--tenant" && v) s.tenant = args[++i];
    else if (args[i] == "--ca" && v) s.ca_file = args[++i];
    else return fail("login", "unknown or incomplete option '" + args[i] + "'\n\n" + kLoginUsage, 2);
  }
  if (s.login.empty() || s.tenant.empty()) return fail("login", "--user and --tenant are required\n\n" + std::string(kLoginUsage), 2);
  auto home = client_home(env.home_setting);
  if (!home) return fail("login", home.error().message);
  auto client = http::Client::create(s.auth_url, {.ca_file = s.ca_file});
  if (!client) return fail("login", client.error().message, 2);
  auto password = read_secret("Password for " + s.login + ": ");
  if (!password || password->empty()) return fail("login", "no password given");
  nlohmann::json body = {{"tenant", s.tenant}, {"login", s.login}, {"password", *password}};
  auto r = client->request("POST", "/v1/login", body.dump());
  if (r && r->status == 401 && nlohmann::json::parse(r->body, nullptr, false).value("error", "") == "mfa_required") {
    auto code = read_secret("One-time code (or recovery code): ");
    if (!code || code->empty()) return fail("login", "no code given");
    body[code->rfind("bwrc_", 0) == 0 ? "recovery_code" : "totp_code"] = *code;
    r = client->request("POST", "/v1/login", body.dump());
  }
  body.clear();
  if (!r) return fail("login", r.error().message);
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status == 401) return fail("login", "wrong login, password or code");
  if (r->status == 429) return fail("login", "too many attempts: try again in " + std::string(r->header("retry-after").value_or("a while")) + " s");
  if (r->status != 200 || !j.is_object()) return fail("login", "the auth service refused: " + http::describe_failure(r.value()));
  s.refresh_token = j.value("refresh_token", "");
  auto me = client->request("GET", "/v1/me", {}, j.value("access_token", ""));
  const auto mj = me ? nlohmann::json::parse(me->body, nullptr, false) : nlohmann::json();
  if (!me || me->status != 200 || !mj.is_object()) return fail("login", "signed in, but cannot read the account");
  s.user_id = mj.value("user_id", "");
  if (auto st = save_session(*home, s); !st) return fail("login", "cannot save the session: " + st.error().message);
  std::cout << "Signed in as " << s.login << " (" << mj.value("role", "?") << ") in " << s.tenant << ".\n";
  return 0;
}

int devices_command(const CommandEnv& env, const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    return std::cout << "Usage: breakwater devices\n\nLists your devices (agents and clients) and their pairings, "
                        "as the auth service records them,\nwith each paired agent's presence as the relay reports it "
                        "(online, offline; - when unknown).\n", 0;
  }
  if (!args.empty()) return fail("devices", "takes no arguments", 2);
  auto home = client_home(env.home_setting);
  if (!home) return fail("devices", home.error().message);
  auto s = load_session(*home);
  if (!s) return fail("devices", s.error().message);
  auto client = http::Client::create(s->auth_url, {.ca_file = s->ca_file});
  if (!client) return fail("devices", client.error().message);
  auto token = access_token(*home, *s, *client);
  if (!token) return fail("devices", token.error().message);
  auto d = client->request("GET", "/v1/devices", {}, *token);
  auto p = client->request("GET", "/v1/pairings", {}, *token);
  if (!d || !p) return fail("devices", (!d ? d.error() : p.error()).message);
  const auto dj = nlohmann::json::parse(d->body, nullptr, false), pj = nlohmann::json::parse(p->body, nullptr, false);
  if (d->status != 200 || !dj.contains("devices") || !dj["devices"].is_array()) return fail("devices", http::describe_failure(*d));
  if (p->status != 200 || !pj.contains("pairings") || !pj["pairings"].is_array()) return fail("devices", http::describe_failure(*p));
  const auto presence = probe_presence(env, *home, *token, s->ca_file);
  std::cout << "DEVICE                            KIND    STATE    PRESENCE NAME\n";
  for (const auto& x : dj["devices"]) {
    if (!x.is_object()) continue;
    const bool revoked = x.contains("revoked_at") && !x["revoked_at"].is_null();
    std::string kind = x.value("kind", "?");
    kind.resize(7, ' ');
    auto seen = presence.find(x.value("device_id", ""));
    std::string online = seen == presence.end() ? "-" : seen->second;
    online.resize(8, ' ');
    std::cout << x.value("device_id", "?") << "  " << kind << " " << (revoked ? "revoked " : "live    ") << " " << online
              << " " << x.value("name", "?") << "\n";
  }
  std::cout << "\nPAIRING                           ROLE    STATE    AGENT -> CLIENT\n";
  for (const auto& x : pj["pairings"]) {
    if (!x.is_object()) continue;
    const bool revoked = x.contains("revoked_at") && !x["revoked_at"].is_null();
    std::string role = x.value("role", "?");
    role.resize(7, ' ');
    std::cout << x.value("pairing_id", "?") << "  " << role << " " << (revoked ? "revoked " : "live    ") << " "
              << x.value("agent_device_name", "?") << " -> " << x.value("client_device_name", "?") << "\n";
  }
  return 0;
}

}  // namespace bw::cli
