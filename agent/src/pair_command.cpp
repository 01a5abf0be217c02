// breakwater-agent pair / pairings / unpair: the agent's side of pairing (DESIGN §3,
// docs/protocol.md §3) over auth's /v1/pairing/* API and a PairingTransport for the proofs.
//
// The transport: the agent's relay stream carries the proofs (kinds 1 and 2) as envelopes
// (relay_pairing.hpp); the claim is learnt from the relay's PairingNotice CLAIMED or from
// polling auth's offer, whichever comes first. The TEST-ONLY folder transport behind the
// hidden option --test-proof-dir remains for the auth-only system test.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent_identity.hpp"
#include "auth_commands.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/http/client.hpp"
#include "bw/pairing/handshake.hpp"
#include "file_state_store.hpp"
#include "qr_terminal.hpp"
#include "pairing_book.hpp"
#include "relay_link.hpp"
#include "relay_pairing.hpp"
#include "bw/relayclient/agent_stream.hpp"

namespace bw::agent {

const char* const kPairUsage =
    "Usage: breakwater-agent pair [--role member|viewer|admin]\n\n"
    "Offers a pairing to one of your devices: prints a QR code and a link, waits up to 5\n"
    "minutes for a signed-in device of your organisation to claim it, shows who claimed it\n"
    "and asks you to type the 6-digit code that device displays. Only a matching code pairs;\n"
    "anything else revokes the claim. The link carries the pairing secret: show it only to\n"
    "the device you mean to pair.\n\n"
    "  --role ROLE   what the paired device may do here (default member; viewer only watches;\n"
    "                never above your own role)\n";

namespace {

using Clock = std::chrono::steady_clock;

int fail(const std::string& cmd, const std::string& msg, int code = 1) {
  std::cerr << "breakwater-agent " << cmd << ": " << msg << "\n";
  return code;
}

Result<e2e::Id> parse_id(const std::string& hex) {
  auto b = crypto::hex_decode(hex);
  if (!b || b->size() != 16 || hex.size() != 32) return Error{1, "not a 32-hex-digit id"};
  e2e::Id id{};
  std::copy(b->begin(), b->end(), id.begin());
  return id;
}

Result<http::Client> client_for(const AgentIdentity& id) { return http::Client::create(id.auth_url, {.ca_file = id.ca_file}); }

// The stream read by a background thread that answers the relay's pings (the user may take
// minutes to type the code, longer than the relay's idle timeout) and queues the rest
// (at most kMaxQueued frames; beyond that they are dropped — pair needs only a few).
class PumpedStream {
 public:
  explicit PumpedStream(std::unique_ptr<relayclient::AgentStream> s) : s_(std::move(s)), reader_([this] { loop(); }) {}
  ~PumpedStream() {
    stop_ = true;
    s_->close();
    reader_.join();
  }
  bool send(const breakwater::relay::v1::AgentFrame& f) { return s_->send(f); }
  bool closed() const { return s_->closed(); }
  std::optional<breakwater::relay::v1::RelayFrame> receive(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, d, [&] { return !q_.empty() || s_->closed(); });
    if (q_.empty()) return std::nullopt;
    auto f = std::move(q_.front());
    q_.pop_front();
    return f;
  }

 private:
  static constexpr std::size_t kMaxQueued = 256;
  void loop() {
    while (!stop_) {
      auto f = s_->receive(std::chrono::milliseconds(200));
      if (!f) {
        if (s_->closed()) break;
        continue;
      }
      if (f->has_ping()) {
        breakwater::relay::v1::AgentFrame pong;
        pong.mutable_pong()->set_id(f->ping().id());
        s_->send(pong);
        continue;
      }
      std::lock_guard lock(mu_);
      if (q_.size() < kMaxQueued) q_.push_back(std::move(*f));
      cv_.notify_all();
    }
    cv_.notify_all();
  }
  std::unique_ptr<relayclient::AgentStream> s_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<breakwater::relay::v1::RelayFrame> q_;
  std::thread reader_;  // last: starts after everything it uses exists
};

// The agent's relay stream for the duration of `pair` (resuming where `run` left off; it
// acknowledges nothing, so `run` still sees every delivery).
Result<std::unique_ptr<relayclient::AgentStream>> open_stream(const std::string& state_dir, const RelayTarget& relay,
                                                                const AgentIdentity& id) {
  auto offset = load_offset(state_dir);
  if (!offset) return offset.error();
  relayclient::StreamOptions so;
  so.target = relay.address;
  so.ca_file = relay.ca_file;
  so.server_name = relay.server_name;
  breakwater::relay::v1::Hello hello;
  hello.set_device_token(id.device_token);
  hello.set_protocol_version(1);
  hello.mutable_resume_after()->set_ms(offset->ms);
  hello.mutable_resume_after()->set_seq(offset->seq);
  auto s = relayclient::AgentStream::open(so, hello);
  if (!s) return Error{1, "cannot reach the relay at " + relay.address + ": " + s.error().message};
  return s;
}

// The claim as auth reports it (GET /v1/pairing/offers/{id} once claimed).
Result<pairing::ClaimInfo> parse_claim(const nlohmann::json& j) {
  pairing::ClaimInfo c;
  auto dev = parse_id(j.value("client_device_id", ""));
  auto user = parse_id(j.value("client_user_id", ""));
  auto role = pairing::role_from_name(j.value("role", ""));
  auto key = crypto::base64url_decode(j.value("client_public_key", ""));
  if (!dev || !user || !role || !key || key->size() != 32) return Error{1, "the auth service's claim answer is malformed"};
  c.client_device = dev.value();
  c.client_user = user.value();
  c.role = *role;
  std::copy(key->begin(), key->end(), c.client_public.begin());
  c.client_login = j.value("client_login", "?");
  c.client_device_name = j.value("client_device_name", "?");
  return c;
}

// Polls the offer until it is claimed, ends, or the deadline passes.
Result<pairing::ClaimInfo> wait_for_claim(http::Client& client, const AgentIdentity& id, const std::string& pairing_hex,
                                          Clock::time_point deadline, const std::function<void()>& pause) {
  while (Clock::now() < deadline) {
    auto r = client.request("GET", "/v1/pairing/offers/" + pairing_hex, {}, id.device_token);
    if (r && r->status == 200) {
      const auto j = nlohmann::json::parse(r->body, nullptr, false);
      const std::string status = j.is_object() ? j.value("status", "") : "";
      if (status == "claimed") return parse_claim(j);
      if (status == "expired") return Error{1, "the offer expired before anyone claimed it"};
      if (status == "exhausted") return Error{1, "too many wrong codes were tried: the offer is closed"};
      if (status == "revoked") return Error{1, "the offer was revoked"};
    } else if (r) {
      return Error{1, "the auth service refused: " + http::describe_failure(r.value())};
    }
    pause();  // up to a second, less when the relay's PairingNotice CLAIMED arrives
  }
  return Error{1, "the offer expired before anyone claimed it"};
}

void revoke(http::Client& client, const AgentIdentity& id, const std::string& pairing_hex) {
  auto r = client.request("DELETE", "/v1/pairings/" + pairing_hex, {}, id.device_token);
  if (!r || (r->status != 200 && r->status != 404)) {
    std::cerr << "warning: could not revoke the claim at the auth service ("
              << (r ? http::describe_failure(r.value()) : r.error().message) << "); run breakwater-agent unpair "
              << pairing_hex << "\n";
  }
}

std::optional<std::string> ask_code(const pairing::ClaimInfo& who) {
  std::cout << "\nClaimed by user \"" << who.client_login << "\" on device \"" << who.client_device_name
            << "\" (names as the server reports them: not verified).\n"
            << "If that is you, type the 6-digit code that device shows (Enter alone refuses): " << std::flush;
  std::string line;
  if (!std::getline(std::cin, line) || line.find_first_not_of(" \t\r") == std::string::npos) return std::nullopt;
  return line;
}

}  // namespace

int pair_command(const std::string& state_dir, const std::vector<std::string>& args, const RelayTarget& relay) {
  std::string role_name = "member", test_dir;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") return std::cout << kPairUsage, 0;
    if (args[i] == "--role" && i + 1 < args.size()) role_name = args[++i];
    else if (args[i] == "--test-proof-dir" && i + 1 < args.size()) test_dir = args[++i];  // TEST ONLY, hidden
    else return fail("pair", "unknown or incomplete option '" + args[i] + "'\n\n" + kPairUsage, 2);
  }
  const auto role = pairing::role_from_name(role_name);
  if (!role || *role == e2e::Role::kOwner) return fail("pair", "--role must be member, viewer or admin", 2);
  auto id = load_identity(state_dir);
  if (!id) return fail("pair", id.error().message);
  auto self = parse_id(id->device_id);
  if (!self) return fail("pair", "identity.json is damaged: log in again");
  auto run_lock = SendLock::acquire_named(state_dir, "relay", "breakwater-agent run holds the relay stream");
  if (!run_lock) return fail("pair", run_lock.error().message);
  std::unique_ptr<PumpedStream> stream;
  if (test_dir.empty()) {
    auto opened = open_stream(state_dir, relay, id.value());
    if (!opened) return fail("pair", opened.error().message);
    stream = std::make_unique<PumpedStream>(std::move(opened).value());
  }
  auto client = client_for(id.value());
  if (!client) return fail("pair", client.error().message);
  auto store = open_file_state_store(state_dir);
  if (!store) return fail("pair", store.error().message);

  auto offer_r = client->request("POST", "/v1/pairing/offers", nlohmann::json{{"role", role_name}}.dump(), id->device_token);
  if (!offer_r) return fail("pair", offer_r.error().message);
  const auto offer = nlohmann::json::parse(offer_r->body, nullptr, false);
  if (offer_r->status != 201 || !offer.is_object()) return fail("pair", "the auth service refused: " + http::describe_failure(offer_r.value()));
  const std::string pairing_hex = offer.value("pairing_id", "");
  auto pairing_id = parse_id(pairing_hex);
  auto tenant = parse_id(offer.value("tenant_id", ""));
  auto agent_device = parse_id(offer.value("agent_device_id", ""));
  if (!pairing_id || !tenant || !agent_device || offer.value("role", "") != role_name) {
    return fail("pair", "the auth service's offer is malformed");
  }
  bool notice = false;
  std::unique_ptr<pairing::PairingTransport> transport;
  RelayProofTransport* relay_transport = nullptr;
  const std::string pid_raw(pairing_id->begin(), pairing_id->end());
  if (stream) {
    auto t = std::make_unique<RelayProofTransport>(
        self.value(), true, [&](const breakwater::relay::v1::Envelope& e) {
          breakwater::relay::v1::AgentFrame f;
          *f.mutable_envelope() = e;
          return stream->send(f);
        },
        [&](std::chrono::milliseconds d) { return stream->receive(d); },
        [&](const breakwater::relay::v1::RelayFrame& f) {
          if (f.has_pairing() && f.pairing().event() == breakwater::relay::v1::PairingNotice::CLAIMED &&
              f.pairing().pairing_id() == pid_raw) {
            notice = true;
          }
        },
        nullptr, [&] { return stream->closed(); });
    relay_transport = t.get();
    transport = std::move(t);
  } else {
    transport = pairing::make_file_transport(test_dir, pairing_id.value(), /*side_is_agent=*/true);
  }
  const auto pause = [&] {
    if (!relay_transport) return std::this_thread::sleep_for(std::chrono::seconds(1));
    for (int i = 0; i < 10 && !notice; ++i) relay_transport->pump(std::chrono::milliseconds(100));
  };

  auto keys = crypto::x25519_generate();
  if (!keys) return fail("pair", "cannot generate a key: " + keys.error().message);
  pairing::PairingLink link;
  link.pairing_id = pairing_id.value();
  link.code = offer.value("code", "");
  link.role = *role;
  link.expires_at_ms = offer.value("expires_at", std::int64_t{0});
  link.agent_public = keys->public_key;
  link.secret = crypto::random_secret(e2e::kSecretSize);
  auto text = pairing::make_link(id->web_origin, link);
  if (!text) return fail("pair", text.error().message);
  pairing::AgentHandshake hs(tenant.value(), pairing_id.value(), agent_device.value(), *role, std::move(keys).value(),
                             std::move(link.secret));
  if (auto qr = render_qr(text.value())) std::cout << qr.value();
  std::cout << "\nScan the code, or open this link on the device to pair (it expires in 5 minutes):\n  " << text.value()
            << "\nRole offered: " << role_name << ". Waiting for a claim…" << std::endl;

  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto claim_deadline = Clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, link.expires_at_ms - now_ms));
  auto claim = wait_for_claim(*client, *id, pairing_hex, claim_deadline, pause);
  if (!claim) return fail("pair", claim.error().message);
  if (relay_transport) relay_transport->set_peer(claim->client_device);
  std::cout << "Claimed; checking the device's proof…" << std::endl;
  auto st = pairing::run_agent_handshake(hs, claim.value(), *transport, Clock::now() + std::chrono::minutes(5), ask_code,
                                         **store);
  if (!st) {
    revoke(*client, *id, pairing_hex);
    return fail("pair", st.error().message + "; the claim was revoked, nothing was paired");
  }
  BookEntry entry{pairing_id.value(), claim->client_device, *role, self.value(), std::nullopt, claim->client_user};
  entry.peer_public.emplace();
  std::copy(claim->client_public.begin(), claim->client_public.end(), entry.peer_public->begin());
  if (auto b = add_to_book(state_dir, entry); !b) {
    revoke(*client, *id, pairing_hex);
    (void)(*store)->erase(pairing_id.value());
    return fail("pair", "cannot record the pairing: " + b.error().message + "; the claim was revoked");
  }
  std::cout << "Paired: pairing " << pairing_hex << " with \"" << claim->client_device_name << "\" as " << role_name
            << ".\n";
  return 0;
}

int pairings_command(const std::string& state_dir, const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    return std::cout << "Usage: breakwater-agent pairings\n\nLists this agent's pairings (live and revoked) as the auth service records them.\n", 0;
  }
  if (!args.empty()) return fail("pairings", "takes no arguments", 2);
  auto id = load_identity(state_dir);
  if (!id) return fail("pairings", id.error().message);
  auto client = client_for(id.value());
  if (!client) return fail("pairings", client.error().message);
  auto r = client->request("GET", "/v1/device/pairings", {}, id->device_token);
  if (!r) return fail("pairings", r.error().message);
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status != 200 || !j.is_object() || !j.contains("pairings") || !j["pairings"].is_array()) {
    return fail("pairings", "the auth service refused: " + http::describe_failure(r.value()));
  }
  if (j["pairings"].empty()) return std::cout << "No pairings. Pair a device with: breakwater-agent pair\n", 0;
  std::cout << "PAIRING                           ROLE    STATE    CLIENT DEVICE\n";
  for (const auto& p : j["pairings"]) {
    if (!p.is_object()) continue;
    const bool revoked = p.contains("revoked_at") && !p["revoked_at"].is_null();
    std::string role = p.value("role", "?");
    role.resize(7, ' ');
    std::cout << p.value("pairing_id", "?") << "  " << role << " " << (revoked ? "revoked " : "live    ") << " "
              << p.value("client_device_name", "?") << "\n";
  }
  return 0;
}

int unpair_command(const std::string& state_dir, const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    return std::cout << "Usage: breakwater-agent unpair PAIRING_ID\n\nRevokes a pairing: erases its keys here at once, "
                        "then tells the auth service.\n", 0;
  }
  if (args.size() != 1) return fail("unpair", "usage: breakwater-agent unpair PAIRING_ID", 2);
  auto pairing_id = parse_id(args[0]);
  if (!pairing_id) return fail("unpair", "PAIRING_ID must be 32 hex digits (see breakwater-agent pairings)", 2);
  auto store = open_file_state_store(state_dir);
  if (!store) return fail("unpair", store.error().message);
  // Revocation only removes authority: the local keys go first, whatever the server says.
  if (auto st = (*store)->erase(pairing_id.value()); !st) return fail("unpair", st.error().message);
  if (auto st = remove_from_book(state_dir, pairing_id.value()); !st) return fail("unpair", st.error().message);
  auto id = load_identity(state_dir);
  if (!id) return fail("unpair", "keys erased; " + id.error().message);
  auto client = client_for(id.value());
  if (!client) return fail("unpair", "keys erased; " + client.error().message);
  auto r = client->request("DELETE", "/v1/pairings/" + crypto::hex_encode(pairing_id.value()), {}, id->device_token);
  if (!r) return fail("unpair", "keys erased; the auth service was not told: " + r.error().message);
  if (r->status == 404) return fail("unpair", "keys erased; the auth service knows no such pairing of this agent");
  if (r->status != 200) return fail("unpair", "keys erased; the auth service refused: " + http::describe_failure(r.value()));
  std::cout << "Unpaired " << args[0] << ".\n";
  return 0;
}

}  // namespace bw::agent
