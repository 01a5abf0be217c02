// breakwater-agent run [--echo]: the agent's foreground loop. One RelayLink (reconnect,
// resume, acks after durable processing); every delivery goes through the Inbox
// (inbox.hpp), whose verdict is logged without content: kind, pairing, epoch, seq.
// Pairing proofs arriving here are late copies of a finished handshake and are skipped.
// With --echo (a diagnostic switch, docs/operations.md) each accepted PROMPT is answered
// with an OUTPUT "echo: <text>" sealed with the pairing's one sending context.
#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent_identity.hpp"
#include "assertion_checker.hpp"
#include "auth_commands.hpp"
#include "bw/crypto/sha256.hpp"
#include "bw/http/client.hpp"
#include "breakwater/relay/v1/relay.pb.h"
#include "bw/crypto/hex.hpp"
#include "bw/log/log.hpp"
#include "bw/relayclient/convert.hpp"
#include "file_state_store.hpp"
#include "inbox.hpp"
#include "pairing_book.hpp"
#include "relay_link.hpp"
#include "session/session_manager.hpp"

namespace bw::agent {
namespace {

namespace v1 = breakwater::relay::v1;

// The path of this very program, for the hook command written into session settings.
std::string self_executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("breakwater-agent") : p.string();
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The sending side: one e2e::Sender per pairing, behind its lock, opened on first use.
class Outbox {
 public:
  Outbox(std::string dir, e2e::StateStore& store, e2e::Id self, RelayLink& link)
      : dir_(std::move(dir)), store_(store), self_(self), link_(link) {}

  void send(const PairingEntry& p, e2e::Kind kind, const std::string& body) {
    std::lock_guard guard(mu_);  // session threads send too
    auto it = senders_.find(p.pairing_id);
    if (it == senders_.end()) {
      auto lock = SendLock::acquire(dir_, p.pairing_id);
      if (!lock) return log::error("cannot send", {{"pairing", crypto::hex_encode(p.pairing_id)}, {"error", lock.error().message}});
      auto s = e2e::Sender::open(store_, p.pairing_id, e2e::Direction::kAgentToClient, self_, p.client_device);
      if (!s) return log::error("cannot send", {{"pairing", crypto::hex_encode(p.pairing_id)}, {"error", s.error().message}});
      it = senders_.emplace(p.pairing_id, Entry{std::move(lock).value(), std::move(s).value()}).first;
    }
    auto e = it->second.sender.seal(kind, as_bytes(body), wall_ms());
    if (!e) return log::error("cannot seal", {{"pairing", crypto::hex_encode(p.pairing_id)}, {"error", e.error().message}});
    v1::AgentFrame f;
    *f.mutable_envelope() = relayclient::to_wire(*e);
    if (!link_.send(f)) log::warn("reply not sent: no relay stream", {{"pairing", crypto::hex_encode(p.pairing_id)}});
  }
  void forget(const e2e::Id& pairing_id) {
    std::lock_guard guard(mu_);
    senders_.erase(pairing_id);
  }
  void close_all() {
    std::lock_guard guard(mu_);
    for (auto& [id, e] : senders_) (void)e.sender.close();
  }

 private:
  struct Entry {
    SendLock lock;
    e2e::Sender sender;
  };
  std::string dir_;
  e2e::StateStore& store_;
  e2e::Id self_;
  RelayLink& link_;
  std::mutex mu_;
  std::map<e2e::Id, Entry> senders_;
};

// The live pairings, for sending to every paired client (session output, approvals).
class Audience {
 public:
  void set(std::vector<PairingEntry> all) {
    std::lock_guard guard(mu_);
    all_ = std::move(all);
  }
  void remove(const e2e::Id& pairing_id) {
    std::lock_guard guard(mu_);
    std::erase_if(all_, [&](const PairingEntry& p) { return p.pairing_id == pairing_id; });
  }
  std::vector<PairingEntry> all() const {
    std::lock_guard guard(mu_);
    return all_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<PairingEntry> all_;
};

std::string json_text(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// A CONTROL or PROMPT from a client, acted on by the session manager. Returns the EVENT body
// answering the sender ("" when the answer goes to everyone, as session events do).
std::string handle_session_message(session::SessionManager& sessions, e2e::Kind kind, const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  const auto error = [&](const std::string& op, const std::string& why) {
    return json_text({{"event", "error"}, {"op", op}, {"error", why}});
  };
  if (!j.is_object()) return error(kind == e2e::Kind::kPrompt ? "prompt" : "control", "not a JSON object");
  const auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  if (kind == e2e::Kind::kPrompt) {
    if (auto st = sessions.prompt(str("session"), str("text")); !st) return error("prompt", st.error().message);
    return "";
  }
  const std::string op = str("op");
  if (op == "start") {
    std::optional<std::string> resume;
    if (j.contains("resume")) resume = str("resume");
    auto started = sessions.start(str("folder"), resume);
    if (!started) return error("start", started.error().message);
    return "";
  }
  if (op == "list") {
    auto arr = nlohmann::json::array();
    for (const auto& s : sessions.list()) {
      arr.push_back({{"session", s.id}, {"folder", s.folder}, {"claude_session", s.claude_id},
                     {"running", s.running}, {"exit_status", s.exit_status}});
    }
    return json_text({{"event", "sessions"}, {"sessions", arr}});
  }
  if (op == "interrupt" || op == "stop") {
    auto st = op == "stop" ? sessions.stop(str("session")) : sessions.interrupt(str("session"));
    if (!st) return error(op, st.error().message);
    return op == "interrupt" ? json_text({{"event", "interrupted"}, {"session", str("session")}}) : "";
  }
  return error(op.empty() ? "control" : op, "unknown operation");
}

void log_verdict(const Verdict& v) {
  const std::string pairing = v.pairing ? crypto::hex_encode(v.pairing->pairing_id) : "unknown";
  const std::string kind(e2e::kind_name(v.header.kind));
  const auto n = static_cast<std::int64_t>(v.header.epoch.n), seq = static_cast<std::int64_t>(v.header.seq);
  if (v.gap) {
    log::warn("gap: messages missing", {{"pairing", pairing},
                                        {"epoch", static_cast<std::int64_t>(v.gap->n)},
                                        {"from_seq", static_cast<std::int64_t>(v.gap->from_seq)},
                                        {"to_seq", static_cast<std::int64_t>(v.gap->to_seq)}});
  }
  switch (v.outcome) {
    case Outcome::kAccepted: return log::info("message", {{"pairing", pairing}, {"kind", kind}, {"epoch", n}, {"seq", seq}});
    case Outcome::kDuplicate: return log::debug("duplicate dropped", {{"pairing", pairing}, {"kind", kind}, {"epoch", n}, {"seq", seq}});
    case Outcome::kRetry: return log::warn("state store failed; delivery not acknowledged", {{"pairing", pairing}});
    case Outcome::kDropped:
      return log::warn(v.reason == DropReason::kStaleEpoch ? "replayed old epoch refused" : "message dropped",
                       {{"pairing", pairing}, {"kind", kind}, {"epoch", n}, {"seq", seq},
                        {"reason", std::string(drop_reason_name(v.reason))}, {"detail", v.detail}});
  }
}

}  // namespace

int run_command(const std::string& dir, const std::vector<std::string>& args, const RelayTarget& relay,
                const AssertionSettings& assertions, const session::SessionSettings& sessions_config) {
  bool echo = false;
  for (const auto& a : args) {
    if (a == "--echo") echo = true;
    else return std::cerr << "breakwater-agent run: unknown option '" << a << "' (only --echo)\n", 2;
  }
  // SIGTERM/SIGINT go to the waiter thread below only: blocked here, before any thread
  // (approval socket, sessions, gRPC) exists, so every thread inherits the mask and a signal
  // always takes the orderly way out (pending approvals denied, hooks removed).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto id = load_identity(dir);
  if (!id) return std::cerr << "breakwater-agent run: " << id.error().message << "\n", 1;
  auto self_bytes = crypto::hex_decode(id->device_id);
  if (!self_bytes || self_bytes->size() != 16) return std::cerr << "breakwater-agent run: identity.json is damaged\n", 1;
  e2e::Id self{};
  std::copy(self_bytes->begin(), self_bytes->end(), self.begin());
  auto relay_lock = SendLock::acquire_named(dir, "relay", "another breakwater-agent holds the relay stream");
  if (!relay_lock) return std::cerr << "breakwater-agent run: " << relay_lock.error().message << "\n", 1;
  auto store = open_file_state_store(dir);
  if (!store) return std::cerr << "breakwater-agent run: " << store.error().message << "\n", 1;
  auto tenant_bytes = crypto::hex_decode(id->tenant_id);
  if (!tenant_bytes || tenant_bytes->size() != 16) return std::cerr << "breakwater-agent run: identity.json is damaged\n", 1;
  e2e::Id tenant{};
  std::copy(tenant_bytes->begin(), tenant_bytes->end(), tenant.begin());
  auto auth = http::Client::create(id->auth_url, {.ca_file = id->ca_file});
  if (!auth) return std::cerr << "breakwater-agent run: " << auth.error().message << "\n", 1;
  std::string issuer = assertions.issuer;
  if (issuer.empty()) {
    issuer = id->auth_url;
    while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  }
  AssertionChecker checker(std::make_unique<http::Client>(std::move(auth).value()), issuer, assertions.audience);
  Inbox inbox(**store, self, std::chrono::minutes(10));
  inbox.require_assertions([&checker](std::string_view token, std::int64_t now) { return checker.verify(token, now); },
                           tenant);
  Audience audience;
  auto reload = [&] {
    auto book = load_book(dir);
    if (!book) return log::error("pairings.json unreadable", {{"error", book.error().message}});
    std::vector<PairingEntry> live;
    for (const auto& b : *book) {
      PairingEntry e{b.pairing_id, b.peer_device, b.role, std::nullopt, b.peer_user};
      if (b.peer_public) e.client_key_sha256 = crypto::sha256(ByteView(b.peer_public->data(), b.peer_public->size()));
      inbox.add_pairing(e);
      if (!inbox.revoked(e.pairing_id)) live.push_back(e);
    }
    audience.set(std::move(live));
  };
  reload();

  RelayLink link({.target = relay.address, .ca_file = relay.ca_file, .server_name = relay.server_name, .state_dir = dir,
                  .device_token = id->device_token, .agent_version = BW_AGENT_VERSION});
  Outbox outbox(dir, **store, self, link);

  session::SessionSettings session_settings = sessions_config;
  session_settings.agent_binary = self_executable();
  const char* home_env = std::getenv("HOME");
  auto sessions = session::SessionManager::open(
      session_settings, dir, home_env ? home_env : "", [&](e2e::Kind kind, const std::string& body) {
        for (const auto& p : audience.all()) outbox.send(p, kind, body);
      });
  if (!sessions) return std::cerr << "breakwater-agent run: " << sessions.error().message << "\n", 1;
  if (session_settings.user_hook) {
    const std::string user_settings = std::string(home_env ? home_env : "") + "/.claude/settings.json";
    if (auto st = (*sessions)->enable_user_hook(user_settings); !st) {
      return std::cerr << "breakwater-agent run: agent.user_hook: " << st.error().message << "\n", 1;
    }
  }

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    log::info("stopping", {{"signal", sig}});
    link.stop();
  });

  const auto on_delivery = [&](const v1::Delivery& d) {
    const auto& w = d.envelope();
    if (w.kind() == v1::KIND_PAIR_CLIENT_PROOF || w.kind() == v1::KIND_PAIR_AGENT_PROOF) {
      return RelayLink::Disposition::kProcessed;  // a finished handshake's copy
    }
    auto env = relayclient::from_wire(w);
    if (!env) {
      log::warn("message dropped", {{"reason", "malformed"}});
      return RelayLink::Disposition::kProcessed;
    }
    if (!inbox.pairing_of(env->header.sender)) reload();  // paired since start
    auto v = inbox.receive(*env, wall_ms());
    log_verdict(v);
    if (v.outcome == Outcome::kRetry) return RelayLink::Disposition::kRetry;
    if (v.outcome != Outcome::kAccepted) return RelayLink::Disposition::kProcessed;
    const auto kind = v.message->kind;
    if (echo && kind == e2e::Kind::kPrompt) {
      outbox.send(*v.pairing, e2e::Kind::kOutput, "echo: " + to_string(v.message->body));
    } else if (kind == e2e::Kind::kPrompt || kind == e2e::Kind::kControl) {
      const auto answer = handle_session_message(**sessions, kind, to_string(v.message->body));
      if (!answer.empty()) outbox.send(*v.pairing, e2e::Kind::kEvent, answer);
    } else if (kind == e2e::Kind::kApprovalAnswer) {
      const auto who = crypto::hex_encode(v.pairing->client_device);
      const auto outcome = (*sessions)->answer(v.message->body, v.role.value_or(e2e::Role::kViewer), who, wall_ms());
      log::info("approval answer", {{"pairing", crypto::hex_encode(v.pairing->pairing_id)},
                                    {"outcome", std::string(hook::answer_outcome_name(outcome))}});
    }
    return RelayLink::Disposition::kProcessed;
  };
  const auto on_frame = [&](const v1::RelayFrame& f) {
    if (f.has_pairing() && f.pairing().pairing_id().size() == 16) {
      e2e::Id pid{};
      std::copy(f.pairing().pairing_id().begin(), f.pairing().pairing_id().end(), pid.begin());
      if (f.pairing().event() == v1::PairingNotice::REVOKED) {
        // Revocation only removes authority: accepted from any source, keys erased at once.
        if (auto st = inbox.revoke(pid); !st) log::error("cannot erase revoked keys", {{"error", st.error().message}});
        (void)remove_from_book(dir, pid);
        audience.remove(pid);
        outbox.forget(pid);
        log::info("pairing revoked", {{"pairing", crypto::hex_encode(pid)}});
      } else if (f.pairing().event() == v1::PairingNotice::CLAIMED) {
        log::info("pairing claimed (complete it with breakwater-agent pair)", {{"pairing", crypto::hex_encode(pid)}});
      }
    } else if (f.has_error()) {
      log::warn("relay error", {{"code", v1::Error::Code_Name(f.error().code())}});
    }
  };
  log::info("started", {{"state_dir", dir}, {"relay", relay.address}, {"echo", echo}});
  auto st = link.run(on_delivery, on_frame);
  sessions->reset();  // stops every session (their hooks get their answers first)
  outbox.close_all();
  if (!st) {
    std::cerr << "breakwater-agent run: " << st.error().message << "\n";
    ::kill(::getpid(), SIGTERM);  // release the waiter
    waiter.join();
    return 1;
  }
  waiter.join();
  const auto& s = inbox.stats();
  log::info("stopped", {{"accepted", static_cast<std::int64_t>(s.accepted.load())},
                        {"dropped", static_cast<std::int64_t>(s.dropped.load())},
                        {"gaps", static_cast<std::int64_t>(s.gaps.load())}});
  return 0;
}

}  // namespace bw::agent
