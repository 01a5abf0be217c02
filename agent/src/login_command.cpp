// breakwater-agent login: the RFC 8628 device authorization grant against auth's
// /v1/device/code and /v1/device/token (docs/protocol.md), then the identity file.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent_identity.hpp"
#include "auth_commands.hpp"
#include "bw/http/client.hpp"

namespace bw::agent {

const char* const kLoginUsage =
    "Usage: breakwater-agent login --auth URL [--name NAME] [--ca FILE] [--web-origin URL]\n\n"
    "Registers this machine as an agent device of your account (OAuth device grant, RFC 8628):\n"
    "it prints a short code and a web address; sign in there and approve the code (check\n"
    "the device name it shows). The agent never sees your password.\n"
    "Its device token is kept in the private state folder (mode 0600).\n\n"
    "  --auth URL        the auth service's public API, https://… (required)\n"
    "  --name NAME       the device name shown to you and in pairings (default: host name)\n"
    "  --ca FILE         PEM CA that verifies the auth service (default: system trust store)\n"
    "  --web-origin URL  the web client's origin for pairing links (default: the auth URL's)\n";

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "agent";
  return std::string(buf).substr(0, 64);
}

}  // namespace

int login_command(const std::string& state_dir, const std::vector<std::string>& args) {
  AgentIdentity id;
  id.device_name = host_name();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--help" || a == "-h") return std::cout << kLoginUsage, 0;
    if (a == "--auth" && has_value) id.auth_url = args[++i];
    else if (a == "--name" && has_value) id.device_name = args[++i];
    else if (a == "--ca" && has_value) id.ca_file = args[++i];
    else if (a == "--web-origin" && has_value) id.web_origin = args[++i];
    else return std::cerr << "breakwater-agent login: unknown or incomplete option '" << a << "'\n\n" << kLoginUsage, 2;
  }
  if (id.auth_url.empty()) return std::cerr << "breakwater-agent login: --auth URL is required\n\n" << kLoginUsage, 2;
  auto client = http::Client::create(id.auth_url, {.ca_file = id.ca_file});
  if (!client) return std::cerr << "breakwater-agent login: " << client.error().message << "\n", 2;
  if (id.web_origin.empty()) id.web_origin = client->url().origin();
  else if (auto origin = http::parse_base_url(id.web_origin); !origin) {
    return std::cerr << "breakwater-agent login: --web-origin: " << origin.error().message << "\n", 2;
  }

  const auto start = client->request("POST", "/v1/device/code", nlohmann::json{{"name", id.device_name}}.dump());
  if (!start) return std::cerr << "breakwater-agent login: " << start.error().message << "\n", 1;
  const auto grant = nlohmann::json::parse(start->body, nullptr, false);
  if (start->status != 200 || !grant.is_object() || !grant.contains("device_code")) {
    return std::cerr << "breakwater-agent login: the auth service refused: " << http::describe_failure(start.value()) << "\n", 1;
  }
  const std::string device_code = grant.value("device_code", "");
  auto interval = std::chrono::seconds(std::max<int>(1, grant.value("interval", 5)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grant.value("expires_in", 600));
  std::cout << "To register this machine as \"" << id.device_name << "\", open\n  "
            << grant.value("verification_uri", "") << "\nand enter the code\n  " << grant.value("user_code", "")
            << "\n(or open " << grant.value("verification_uri_complete", "") << ")\nWaiting for approval…"
            << std::endl;

  for (;;) {
    std::this_thread::sleep_for(interval);  // RFC 8628 §3.5: never faster than the interval
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::cerr << "breakwater-agent login: the code expired before it was approved; run login again\n", 1;
    }
    auto poll = client->request("POST", "/v1/device/token", nlohmann::json{{"device_code", device_code}}.dump());
    if (!poll) {
      std::cerr << "breakwater-agent login: " << poll.error().message << " (retrying)\n";
      continue;
    }
    const auto body = nlohmann::json::parse(poll->body, nullptr, false);
    if (poll->status == 200 && body.is_object()) {
      id.tenant_id = body.value("tenant_id", "");
      id.user_id = body.value("user_id", "");
      id.device_id = body.value("device_id", "");
      id.device_token = body.value("device_token", "");
      if (auto st = save_identity(state_dir, id); !st) {
        return std::cerr << "breakwater-agent login: approved, but cannot save the identity: " << st.error().message << "\n", 1;
      }
      std::cout << "Approved: this machine is agent device " << id.device_id << " (\"" << id.device_name << "\").\n"
                << "Next: breakwater-agent pair\n";
      return 0;
    }
    const std::string error = body.is_object() ? body.value("error", "") : "";
    if (error == "authorization_pending") continue;
    if (error == "slow_down") {
      interval += std::chrono::seconds(5);
      continue;
    }
    if (error == "access_denied") return std::cerr << "breakwater-agent login: the request was denied; nothing was registered\n", 1;
    if (error == "expired_token") return std::cerr << "breakwater-agent login: the code expired (or was already used); run login again\n", 1;
    return std::cerr << "breakwater-agent login: the auth service refused: " << http::describe_failure(poll.value()) << "\n", 1;
  }
}

}  // namespace bw::agent
