// One conversation with a paired agent; see conversation.hpp.
#include "conversation.hpp"

#include <iostream>
#include <set>

#include "bw/crypto/hex.hpp"
#include "bw/relayclient/convert.hpp"
#include "file_state_store.hpp"
#include "pairing_book.hpp"
#include "relay_link.hpp"
#include "relay_session.hpp"
#include "signed_in.hpp"
#include "terminal_text.hpp"

namespace bw::cli {

namespace v1 = breakwater::relay::v1;
using Clock = std::chrono::steady_clock;

struct Conversation::Impl {
  Signed s;
  agent::BookEntry pairing;
  std::vector<agent::BookEntry> others;  // this device's pairings with other agents
  std::optional<agent::SendLock> lock;
  std::unique_ptr<e2e::StateStore> store;
  std::optional<e2e::Sender> sender;
  std::unique_ptr<relayclient::ClientStream> stream;
  std::set<std::string> our_nonces;
  Clock::time_point refresh_at = Clock::now() + std::chrono::minutes(4);
};

Conversation::Conversation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Conversation::~Conversation() {
  if (impl_->sender) (void)impl_->sender->close();
  if (impl_->stream) impl_->stream->close();
}

Result<std::unique_ptr<Conversation>> Conversation::open(const CommandEnv& env, const std::string& agent_hex) {
  auto agent_dev = parse_id(agent_hex);
  if (!agent_dev) return Error{2, "AGENT must be an agent device id, 32 hex digits (see breakwater devices)"};
  auto impl = std::make_unique<Impl>();
  auto s = sign_in(env);
  if (!s) return s.error();
  impl->s = std::move(s).value();
  auto book = agent::load_book(impl->s.home);
  if (!book) return book.error();
  std::optional<agent::BookEntry> entry;
  for (const auto& b : *book) {
    if (b.peer_device == *agent_dev) entry = b;  // the latest pairing with that agent
  }
  if (!entry) return Error{1, "no pairing with agent device " + agent_hex + " here (breakwater pair first)"};
  impl->pairing = *entry;
  for (const auto& b : *book) {
    if (b.pairing_id != entry->pairing_id) impl->others.push_back(b);
  }
  auto lock = agent::SendLock::acquire(impl->s.home, entry->pairing_id);
  if (!lock) return lock.error();
  impl->lock.emplace(std::move(lock).value());
  auto store = agent::open_file_state_store(impl->s.home);
  if (!store) return store.error();
  impl->store = std::move(store).value();
  auto sender = e2e::Sender::open(*impl->store, entry->pairing_id, e2e::Direction::kClientToAgent, entry->self_device,
                                  entry->peer_device);
  if (!sender) return Error{1, "no sending state for this pairing (" + sender.error().message + ")"};
  impl->sender.emplace(std::move(sender).value());
  auto assertion = device_assertion(impl->s, entry->self_device);
  if (!assertion) return assertion.error();
  auto offset = agent::load_offset(impl->s.home);
  if (!offset) return offset.error();
  auto stream = open_relay(env.relay_address, impl->s.relay_ca, impl->s.token, entry->self_device, offset->ms, offset->seq);
  if (!stream) return stream.error();
  impl->stream = std::move(stream).value();
  std::unique_ptr<Conversation> c(new Conversation(std::move(impl)));
  if (auto st = c->send(e2e::Kind::kAssertion, *assertion); !st) return st.error();
  return c;
}

Status Conversation::send(e2e::Kind kind, ByteView body) {
  auto& i = *impl_;
  auto sealed = i.sender->seal(kind, body, std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
  if (!sealed) return sealed.error();
  v1::ClientFrame f;
  *f.mutable_envelope() = relayclient::to_wire(*sealed);
  i.our_nonces.emplace(sealed->header.nonce.begin(), sealed->header.nonce.end());
  if (!i.stream->send(f)) return Error{1, "the relay closed the connection"};
  return {};
}

Result<std::optional<e2e::Message>> Conversation::next(std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  const auto until = Clock::now() + timeout;
  constexpr auto kIn = e2e::Direction::kAgentToClient;
  while (Clock::now() < until) {
    if (Clock::now() >= i.refresh_at) {
      auto token = access_token(i.s.home, i.s.session, *i.s.http);
      if (!token) return Error{1, "cannot refresh the access token: " + token.error().message};
      v1::ClientFrame t;
      t.mutable_token()->set_access_token(*token);
      i.stream->send(t);
      i.refresh_at = Clock::now() + std::chrono::minutes(4);
    }
    auto f = i.stream->receive(std::chrono::milliseconds(100));
    if (!f) {
      if (i.stream->closed()) return Error{1, "the relay closed the connection"};
      continue;
    }
    if (f->has_ping()) {
      v1::ClientFrame pong;
      pong.mutable_pong()->set_id(f->ping().id());
      i.stream->send(pong);
      continue;
    }
    if (f->has_error() && (i.our_nonces.count(f->error().envelope().nonce()) > 0 || f->error().terminal())) {
      return Error{1, "the relay refused a message: " + v1::Error::Code_Name(f->error().code())};
    }
    if (f->has_go_away()) return Error{1, "the relay asked to reconnect (" + v1::GoAway::Reason_Name(f->go_away().reason()) + ")"};
    if (!f->has_delivery()) continue;
    const agent::Offset at{f->delivery().offset().ms(), f->delivery().offset().seq()};
    std::optional<e2e::Message> mine;
    auto env = relayclient::from_wire(f->delivery().envelope());
    const agent::BookEntry* from = nullptr;
    if (env && env->header.kind != e2e::Kind::kPairAgentProof) {
      if (env->header.sender == i.pairing.peer_device) from = &i.pairing;
      for (const auto& b : i.others) {
        if (!from && b.peer_device == env->header.sender && b.self_device == i.pairing.self_device) from = &b;
      }
    }
    if (from != nullptr) {
      auto opened = e2e::receive(*i.store, *env, from->pairing_id, kIn);
      if (opened) {
        if (auto c = e2e::commit(*i.store, from->pairing_id, kIn, opened->next); !c) {
          return Error{1, "cannot save the receiving state: " + c.error().message};  // not acknowledged
        }
        if (from == &i.pairing) {
          mine = std::move(opened->message);
        } else {  // another agent's message: shown, not lost
          std::cerr << "[agent " << crypto::hex_encode(from->peer_device).substr(0, 8) << "] "
                    << printable(to_string(opened->message.body)) << "\n";
        }
      }
    }
    if (auto st = agent::save_offset(i.s.home, at); !st) return st.error();
    v1::ClientFrame ack;
    ack.mutable_ack()->mutable_up_to()->set_ms(at.ms);
    ack.mutable_ack()->mutable_up_to()->set_seq(at.seq);
    i.stream->send(ack);
    if (mine) return mine;
  }
  return std::optional<e2e::Message>{};
}

}  // namespace bw::cli
