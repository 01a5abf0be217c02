// breakwater pair <link>: the client's side of pairing (DESIGN §3, docs/protocol.md §3):
// parse the link strictly, claim with a fresh X25519 key, show the 6-digit code, exchange
// proofs through a PairingTransport, store the pairing's e2e state.
//
// The transport: the proofs travel through the relay (relay_pairing.hpp) on this client
// device's WebSocket, opened right after the claim (the relay accepts a client device once
// it is in a claimed pairing). The TEST-ONLY folder transport behind the hidden option
// --test-proof-dir remains for the auth-only system test. On success the pairing (its id,
// the agent device, the role, this device) is recorded in pairings.json, so `send` finds it.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "auth_commands.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/pairing/handshake.hpp"
#include "client_session.hpp"
#include "file_state_store.hpp"
#include "pairing_book.hpp"
#include "relay_pairing.hpp"
#include "relay_session.hpp"

namespace bw::cli {
namespace {

constexpr const char* kPairUsage =
    "Usage: breakwater pair LINK|- [--name NAME]\n\n"
    "Pairs this terminal with an agent. LINK is what `breakwater-agent pair` printed\n"
    "(https://…/pair#…). It carries the pairing secret, and other users of this machine can\n"
    "see command lines: prefer `-`, which reads the link from standard input (paste it and\n"
    "press Enter). This client claims it with a new key, then shows a\n"
    "6-digit code: type it on the agent. The pairing completes only when the agent's answer\n"
    "proves it saw the same keys, so nobody in between can pair instead of you.\n\n"
    "  --name NAME   this device's name as the agent's user will see it (default: host name)\n";

int fail(const std::string& msg, int code = 1) {
  std::cerr << "breakwater pair: " << msg << "\n";
  return code;
}

Result<e2e::Id> parse_id(const std::string& hex) {
  auto b = crypto::hex_decode(hex);
  if (!b || b->size() != 16 || hex.size() != 32) return Error{1, "bad id"};
  e2e::Id id{};
  std::copy(b->begin(), b->end(), id.begin());
  return id;
}

std::string claim_refusal(const http::ClientResponse& r) {
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  const std::string e = j.is_object() ? j.value("error", "") : "";
  if (e == "wrong_code") return "the link's code was not accepted (was the link altered?)";
  if (e == "expired") return "the offer has expired: start a new one on the agent";
  if (e == "attempts_exhausted") return "too many wrong codes were tried: start a new offer on the agent";
  if (e == "already_claimed") return "someone already claimed this offer; if it was not you, do not confirm on the agent";
  if (e == "agent_revoked") return "the agent device has been removed";
  if (e == "not_found") return "no such offer in your organisation";
  return http::describe_failure(r);
}

}  // namespace

int pair_command(const CommandEnv& env, const std::vector<std::string>& args) {
  std::string link_text, name, test_dir;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool v = i + 1 < args.size();
    if (args[i] == "--help" || args[i] == "-h") return std::cout << kPairUsage, 0;
    if (args[i] == "--name" && v) name = args[++i];
    else if (args[i] == "--test-proof-dir" && v) test_dir = args[++i];  // TEST ONLY, hidden
    else if (link_text.empty() && (args[i] == "-" || args[i].rfind("-", 0) != 0)) link_text = args[i];
    else return fail("unknown or incomplete option '" + args[i] + "'\n\n" + kPairUsage, 2);
  }
  if (link_text.empty()) return fail(std::string("a LINK is required\n\n") + kPairUsage, 2);
  if (link_text == "-") {
    if (::isatty(STDIN_FILENO) == 1) std::cerr << "Paste the pairing link and press Enter: " << std::flush;
    if (!std::getline(std::cin, link_text)) return fail("no link on standard input", 2);
  }
  if (name.empty()) {
    char buf[65] = {};
    name = ::gethostname(buf, 64) == 0 && buf[0] ? buf : "terminal";
  }
  auto link = pairing::parse_link(link_text);
  if (!link) return fail(link.error().message, 2);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (link->expires_at_ms <= now_ms) return fail("the link has expired: start a new offer on the agent");

  auto home = client_home(env.home_setting);
  if (!home) return fail(home.error().message);
  auto session = load_session(*home);
  if (!session) return fail(session.error().message);
  auto user = parse_id(session->user_id);
  if (!user) return fail("the stored session is damaged: run breakwater login again");
  auto client = http::Client::create(session->auth_url, {.ca_file = session->ca_file});
  if (!client) return fail(client.error().message);
  auto store = agent::open_file_state_store(*home);
  if (!store) return fail(store.error().message);
  auto token = access_token(*home, *session, *client);
  if (!token) return fail(token.error().message);

  auto keys = crypto::x25519_generate();
  if (!keys) return fail("cannot generate a key: " + keys.error().message);
  const std::string pairing_hex = crypto::hex_encode(link->pairing_id);
  const std::string c_b64 = crypto::base64url_encode(keys->public_key);
  const std::string code = link->code;
  const e2e::Id link_pairing_id = link->pairing_id;
  pairing::ClientHandshake hs(std::move(link).value(), std::move(keys).value());
  auto r = client->request("POST", "/v1/pairing/claims",
                           nlohmann::json{{"pairing_id", pairing_hex}, {"code", code}, {"client_public_key", c_b64},
                                          {"device_name", name}}.dump(),
                           *token);
  if (!r) return fail(r.error().message);
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status != 201 || !j.is_object()) return fail("the claim was refused: " + claim_refusal(r.value()));
  pairing::ClaimResult claim;
  auto pid = parse_id(j.value("pairing_id", ""));
  auto tenant = parse_id(j.value("tenant_id", ""));
  auto agent_dev = parse_id(j.value("agent_device_id", ""));
  auto client_dev = parse_id(j.value("client_device_id", ""));
  auto role = pairing::role_from_name(j.value("role", ""));
  if (!pid || !tenant || !agent_dev || !client_dev || !role) return fail("the auth service's claim answer is malformed");
  claim = {pid.value(), tenant.value(), agent_dev.value(), client_dev.value(), user.value(), *role};

  std::unique_ptr<relayclient::ClientStream> stream;
  std::unique_ptr<pairing::PairingTransport> transport;
  if (!test_dir.empty()) {
    transport = pairing::make_file_transport(test_dir, link_pairing_id, /*side_is_agent=*/false);
  } else {
    auto opened = open_relay(env.relay_address, env.ca_file.empty() ? session->ca_file : env.ca_file, *token, claim.client_device);
    if (!opened) {
      (void)client->request("DELETE", "/v1/pairings/" + pairing_hex, {}, *token);
      return fail(opened.error().message + "; the claim was withdrawn");
    }
    stream = std::move(opened).value();
    auto t = std::make_unique<agent::RelayProofTransport>(
        claim.client_device, false,
        [&](const breakwater::relay::v1::Envelope& e) {
          breakwater::relay::v1::ClientFrame f;
          *f.mutable_envelope() = e;
          return stream->send(f);
        },
        [&](std::chrono::milliseconds d) { return stream->receive(d); }, nullptr,
        [&](std::uint64_t id) {
          breakwater::relay::v1::ClientFrame pong;
          pong.mutable_pong()->set_id(id);
          stream->send(pong);
        },
        [&] { return stream->closed(); });
    t->set_peer(claim.agent_device);
    transport = std::move(t);
  }
  auto st = pairing::run_client_handshake(
      hs, claim, *transport, std::chrono::steady_clock::now() + std::chrono::minutes(5),
      [](std::string_view sas) {
        std::cout << "Claimed. On the agent, type this code:\n\n    " << sas.substr(0, 3) << " " << sas.substr(3)
                  << "\n\nWaiting for the agent…" << std::endl;
      },
      **store);
  if (!st) {
    (void)client->request("DELETE", "/v1/pairings/" + pairing_hex, {}, *token);
    return fail(st.error().message + "; the claim was withdrawn, nothing was paired");
  }
  if (auto b = agent::add_to_book(*home, {claim.pairing_id, claim.agent_device, claim.role, claim.client_device, std::nullopt, std::nullopt}); !b) {
    (void)client->request("DELETE", "/v1/pairings/" + pairing_hex, {}, *token);
    return fail("cannot record the pairing: " + b.error().message + "; the claim was withdrawn");
  }
  std::cout << "Paired: pairing " << pairing_hex << " with agent device " << j.value("agent_device_id", "")
            << " as " << j.value("role", "") << "; this device is " << j.value("client_device_id", "") << ".\n";
  return 0;
}

}  // namespace bw::cli
