// breakwater send / listen: the plain message exchange with a paired agent (issue 5, used by
// tests until the session commands arrive), and the presence probe of `breakwater devices`.
//
// send: one PROMPT sealed with this client's one sending context for the pairing (a lock
// file, pairing_book.hpp; a new epoch per process, closed cleanly after the send), then a
// short wait for the relay's Error naming it by nonce: exit 0 when none came, 1 with the
// relay's code otherwise.
// listen: prints the bodies of OUTPUT and EVENT messages, one per line, each opened and its
// receiving state committed before it is printed and acknowledged (the acknowledged offset
// is saved, synced, in the client's folder: relay-offset, so a later listen resumes after
// it). Duplicates by (epoch, seq) are dropped silently; gaps are reported on stderr. The
// access token is replaced with TokenRefresh every 4 minutes (tokens live 5).
#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "auth_commands.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/relayclient/convert.hpp"
#include "file_state_store.hpp"
#include "inbox.hpp"
#include "pairing_book.hpp"
#include "relay_link.hpp"
#include "relay_session.hpp"
#include "signed_in.hpp"

namespace bw::cli {
namespace {

namespace v1 = breakwater::relay::v1;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int fail(const std::string& cmd, const std::string& msg, int code = 1) {
  std::cerr << "breakwater " << cmd << ": " << msg << "\n";
  return code;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::optional<e2e::Id> parse_id(const std::string& hex) {
  auto b = crypto::hex_decode(hex);
  if (!b || b->size() != 16 || hex.size() != 32) return std::nullopt;
  e2e::Id id{};
  std::copy(b->begin(), b->end(), id.begin());
  return id;
}

Result<Signed> sign_in(const CommandEnv& env) {
  Signed s;
  auto home = client_home(env.home_setting);
  if (!home) return home.error();
  s.home = *home;
  auto session = load_session(s.home);
  if (!session) return session.error();
  s.session = std::move(session).value();
  auto client = http::Client::create(s.session.auth_url, {.ca_file = s.session.ca_file});
  if (!client) return client.error();
  s.http = std::make_unique<http::Client>(std::move(client).value());
  auto token = access_token(s.home, s.session, *s.http);
  if (!token) return token.error();
  s.token = std::move(token).value();
  s.relay_ca = env.ca_file.empty() ? s.session.ca_file : env.ca_file;
  return s;
}

// A device assertion for this client device from auth (POST /v1/device/assertion).
Result<std::string> device_assertion(Signed& s, const e2e::Id& device) {
  const std::string body = "{\"device_id\":\"" + crypto::hex_encode(device) + "\"}";
  auto r = s.http->request("POST", "/v1/device/assertion", body, s.token);
  if (!r) return Error{1, "cannot reach the auth service for a device assertion: " + r.error().message};
  if (r->status != 200) {
    return Error{1, "the auth service refused a device assertion (HTTP " + std::to_string(r->status) +
                        "): is this device still paired? (breakwater devices)"};
  }
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("assertion") || !j["assertion"].is_string()) {
    return Error{1, "the auth service's assertion answer is malformed"};
  }
  return j["assertion"].get<std::string>();
}


int send_command(const CommandEnv& env, const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    return std::cout << "Usage: breakwater send AGENT_DEVICE_ID TEXT\n\nSends TEXT as one prompt, end-to-end encrypted, "
                        "to the paired agent device (see breakwater devices).\nExits 0 when the relay accepted it, 1 with "
                        "the relay's error otherwise.\n", 0;
  }
  if (args.size() != 2) return fail("send", "usage: breakwater send AGENT_DEVICE_ID TEXT", 2);
  auto agent_dev = parse_id(args[0]);
  if (!agent_dev) return fail("send", "AGENT_DEVICE_ID must be 32 hex digits", 2);
  auto s = sign_in(env);
  if (!s) return fail("send", s.error().message);
  auto book = agent::load_book(s->home);
  if (!book) return fail("send", book.error().message);
  std::optional<agent::BookEntry> entry;
  for (const auto& b : *book) {
    if (b.peer_device == *agent_dev) entry = b;  // the latest pairing with that agent
  }
  if (!entry) return fail("send", "no pairing with agent device " + args[0] + " here (breakwater pair first)");
  auto lock = agent::SendLock::acquire(s->home, entry->pairing_id);
  if (!lock) return fail("send", lock.error().message);
  auto store = agent::open_file_state_store(s->home);
  if (!store) return fail("send", store.error().message);
  auto sender = e2e::Sender::open(**store, entry->pairing_id, e2e::Direction::kClientToAgent, entry->self_device,
                                  entry->peer_device);
  if (!sender) return fail("send", "no sending state for this pairing (" + sender.error().message + ")");
  auto assertion = device_assertion(*s, entry->self_device);
  if (!assertion) return fail("send", assertion.error().message);
  // The epoch opens with the assertion (the agent refuses its other messages without one).
  auto asserted = sender->seal(e2e::Kind::kAssertion, as_bytes(*assertion), wall_ms());
  if (!asserted) return fail("send", asserted.error().message);
  auto sealed = sender->seal(e2e::Kind::kPrompt, as_bytes(args[1]), wall_ms());
  if (!sealed) return fail("send", sealed.error().message);
  (void)sender->close();  // one message this epoch; a clean end for the next process's marker
  auto stream = open_relay(env.relay_address, s->relay_ca, s->token, entry->self_device);
  if (!stream) return fail("send", stream.error().message);
  std::set<std::string> nonces;
  for (const auto* e : {&*asserted, &*sealed}) {
    v1::ClientFrame f;
    *f.mutable_envelope() = relayclient::to_wire(*e);
    nonces.emplace(e->header.nonce.begin(), e->header.nonce.end());
    if (!(*stream)->send(f)) return fail("send", "the relay closed the connection");
  }
  const auto until = Clock::now() + 1500ms;
  while (Clock::now() < until) {
    auto r = (*stream)->receive(100ms);
    if (!r) {
      if ((*stream)->closed()) return fail("send", "the relay closed the connection before confirming");
      continue;
    }
    if (r->has_error() && (nonces.count(r->error().envelope().nonce()) > 0 || r->error().terminal())) {
      return fail("send", "the relay refused the message: " + v1::Error::Code_Name(r->error().code()) +
                              (r->error().message().empty() ? "" : " (" + r->error().message() + ")"));
    }
  }
  (*stream)->close();
  std::cout << "Sent.\n";
  return 0;
}

int listen_command(const CommandEnv& env, const std::vector<std::string>& args) {
  long count = -1, timeout_s = -1;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool v = i + 1 < args.size();
    if (args[i] == "--help" || args[i] == "-h") {
      return std::cout << "Usage: breakwater listen [--count N] [--timeout S]\n\nPrints the output and events your paired "
                          "agents send, one message per line, and acknowledges them.\n  --count N    stop after N messages\n"
                          "  --timeout S  stop after S seconds (exit 1 if --count was not reached)\n", 0;
    }
    try {
      if (args[i] == "--count" && v) count = std::stol(args[++i]);
      else if (args[i] == "--timeout" && v) timeout_s = std::stol(args[++i]);
      else return fail("listen", "unknown or incomplete option '" + args[i] + "'", 2);
    } catch (const std::exception&) {
      return fail("listen", "--count and --timeout take a whole number", 2);
    }
    if ((count == 0 || count < -1) || timeout_s == 0 || timeout_s < -1) return fail("listen", "--count and --timeout must be positive", 2);
  }
  auto s = sign_in(env);
  if (!s) return fail("listen", s.error().message);
  auto book = agent::load_book(s->home);
  if (!book) return fail("listen", book.error().message);
  if (book->empty()) return fail("listen", "no pairings here (breakwater pair first)");
  const e2e::Id self = book->back().self_device;  // this client's latest device
  std::map<e2e::Id, agent::BookEntry> by_agent;
  for (const auto& b : *book) {
    if (b.self_device == self) by_agent[b.peer_device] = b;
  }
  auto store = agent::open_file_state_store(s->home);
  if (!store) return fail("listen", store.error().message);
  auto offset = agent::load_offset(s->home);
  if (!offset) return fail("listen", offset.error().message);
  auto stream = open_relay(env.relay_address, s->relay_ca, s->token, self, offset->ms, offset->seq);
  if (!stream) return fail("listen", stream.error().message);
  const auto deadline = timeout_s > 0 ? Clock::now() + std::chrono::seconds(timeout_s) : Clock::time_point::max();
  auto refresh_at = Clock::now() + 4min;
  long printed = 0;
  constexpr auto kIn = e2e::Direction::kAgentToClient;
  while (Clock::now() < deadline && (count < 0 || printed < count)) {
    if (Clock::now() >= refresh_at) {
      auto token = access_token(s->home, s->session, *s->http);
      if (!token) return fail("listen", "cannot refresh the access token: " + token.error().message);
      v1::ClientFrame t;
      t.mutable_token()->set_access_token(*token);
      (*stream)->send(t);
      refresh_at = Clock::now() + 4min;
    }
    auto f = (*stream)->receive(200ms);
    if (!f) {
      if ((*stream)->closed()) return fail("listen", "the relay closed the connection (code " + std::to_string((*stream)->close_code()) + ")");
      continue;
    }
    if (f->has_ping()) {
      v1::ClientFrame pong;
      pong.mutable_pong()->set_id(f->ping().id());
      (*stream)->send(pong);
      continue;
    }
    if (f->has_go_away()) return fail("listen", "the relay asked to reconnect (" + v1::GoAway::Reason_Name(f->go_away().reason()) + "); run listen again");
    if (!f->has_delivery()) continue;
    const agent::Offset at{f->delivery().offset().ms(), f->delivery().offset().seq()};
    const auto& w = f->delivery().envelope();
    if (w.kind() != v1::KIND_PAIR_AGENT_PROOF) {
      auto env_r = relayclient::from_wire(w);
      std::optional<agent::BookEntry> pairing;
      if (env_r) {
        auto it = by_agent.find(env_r->header.sender);
        if (it != by_agent.end()) pairing = it->second;
      }
      if (!pairing) {
        std::cerr << "dropped a message from an unknown or malformed sender\n";
      } else {
        auto stored = (*store)->load_receiver(pairing->pairing_id, kIn);
        auto opened = e2e::receive(**store, *env_r, pairing->pairing_id, kIn);
        if (!opened) {
          if (!e2e::has_code(opened.error(), e2e::Errc::kReplay)) std::cerr << "dropped a message: " << opened.error().message << "\n";
        } else {
          if (stored && stored->has_value()) {
            if (auto gap = agent::find_gap(**stored, opened->header, opened->message)) {
              std::cerr << "gap: messages " << gap->from_seq << ".." << gap->to_seq << " of epoch " << gap->n << " never arrived\n";
            }
          }
          if (auto c = e2e::commit(**store, pairing->pairing_id, kIn, opened->next); !c) {
            return fail("listen", "cannot save the receiving state: " + c.error().message);  // not acknowledged
          }
          if (opened->message.kind == e2e::Kind::kOutput || opened->message.kind == e2e::Kind::kEvent) {
            std::cout << to_string(opened->message.body) << std::endl;
            ++printed;
          }
        }
      }
    }
    if (auto st = agent::save_offset(s->home, at); !st) return fail("listen", st.error().message);
    v1::ClientFrame ack;
    ack.mutable_ack()->mutable_up_to()->set_ms(at.ms);
    ack.mutable_ack()->mutable_up_to()->set_seq(at.seq);
    (*stream)->send(ack);
  }
  (*stream)->close();
  return count < 0 || printed >= count ? 0 : 1;
}

std::map<std::string, std::string> probe_presence(const CommandEnv& env, const std::string& home, const std::string& token,
                                                  const std::string& ca) {
  std::map<std::string, std::string> out;  // device hex → online/offline
  auto book = agent::load_book(home);
  if (!book || book->empty()) return out;
  auto stream = open_relay(env.relay_address, env.ca_file.empty() ? ca : env.ca_file, token, book->back().self_device);
  if (!stream) {
    std::cerr << "presence unknown: " << stream.error().message << "\n";
    return out;
  }
  const auto until = Clock::now() + 1s;
  while (Clock::now() < until) {
    auto f = (*stream)->receive(100ms);
    if (!f) {
      if ((*stream)->closed()) break;
      continue;
    }
    if (f->has_presence() && f->presence().device().size() == 16) {
      const auto& d = f->presence().device();
      out[crypto::hex_encode(ByteView(reinterpret_cast<const std::uint8_t*>(d.data()), d.size()))] =
          f->presence().state() == v1::Presence::ONLINE ? "online" : "offline";
    }
  }
  (*stream)->close();
  return out;
}

}  // namespace bw::cli
