// The benchmark's always-allowing phone; see answering_client.hpp.
#include "answering_client.hpp"

#include <nlohmann/json.hpp>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/sha256.hpp"
#include "bw/relayclient/convert.hpp"
#include "relay_link.hpp"

namespace bw::bench {
namespace {

namespace v1 = breakwater::relay::v1;
using namespace std::chrono_literals;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// req_id(16) ‖ SHA-256(request body)(32) ‖ 1 (allow), as `breakwater attach` answers "y".
std::optional<Bytes> allow_answer(const std::string& request_body) {
  const auto j = nlohmann::json::parse(request_body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto id = crypto::hex_decode(j.value("req_id", ""));
  if (!id || id->size() != 16) return std::nullopt;
  Bytes a(id->begin(), id->end());
  const auto h = crypto::sha256(as_bytes(request_body));
  a.insert(a.end(), h.begin(), h.end());
  a.push_back(1);
  return a;
}

}  // namespace

Result<std::unique_ptr<AnsweringClient>> AnsweringClient::start(Setup setup) {
  auto lock = agent::SendLock::acquire(setup.home, setup.pairing.pairing_id);
  if (!lock) return lock.error();
  auto sender = e2e::Sender::open(*setup.store, setup.pairing.pairing_id, e2e::Direction::kClientToAgent,
                                  setup.pairing.self_device, setup.pairing.peer_device);
  if (!sender) return sender.error();
  std::unique_ptr<AnsweringClient> c(
      new AnsweringClient(std::move(setup), std::move(lock).value(), std::move(sender).value()));
  if (!c->send(e2e::Kind::kAssertion, as_bytes(c->s_.assertion))) return Error{1, "cannot send the device assertion"};
  c->thread_ = std::thread([p = c.get()] { p->run(); });
  return c;
}

AnsweringClient::AnsweringClient(Setup setup, agent::SendLock lock, e2e::Sender sender)
    : s_(std::move(setup)), lock_(std::move(lock)), sender_(std::move(sender)) {}

AnsweringClient::~AnsweringClient() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  (void)sender_.close();
}

std::string AnsweringClient::first_failure() const {
  std::lock_guard lock(mu_);
  return first_failure_;
}

void AnsweringClient::fail(const std::string& why) {
  ++failures_;
  std::lock_guard lock(mu_);
  if (first_failure_.empty()) first_failure_ = why;
}

bool AnsweringClient::send(e2e::Kind kind, ByteView body) {
  auto sealed = sender_.seal(kind, body, wall_ms());
  if (!sealed) return fail("seal: " + sealed.error().message), false;
  v1::ClientFrame f;
  *f.mutable_envelope() = relayclient::to_wire(*sealed);
  if (!s_.stream->send(f)) return fail("the relay closed the client's connection"), false;
  return true;
}

void AnsweringClient::run() {
  while (!stop_.load(std::memory_order_relaxed)) {
    auto f = s_.stream->receive(100ms);
    if (!f) {
      if (s_.stream->closed()) return fail("the relay closed the client's connection");
      continue;
    }
    if (f->has_ping()) {
      v1::ClientFrame pong;
      pong.mutable_pong()->set_id(f->ping().id());
      s_.stream->send(pong);
    } else if (f->has_error()) {
      fail("relay error " + v1::Error::Code_Name(f->error().code()));
    } else if (f->has_delivery()) {
      handle(f->delivery());
    }
  }
}

void AnsweringClient::handle(const v1::Delivery& d) {
  constexpr auto kIn = e2e::Direction::kAgentToClient;
  std::optional<e2e::Message> message;
  if (auto env = relayclient::from_wire(d.envelope()); env && env->header.sender == s_.pairing.peer_device) {
    auto opened = e2e::receive(*s_.store, *env, s_.pairing.pairing_id, kIn);
    if (opened) {
      if (auto st = e2e::commit(*s_.store, s_.pairing.pairing_id, kIn, opened->next); !st) {
        return fail("cannot save the receiving state: " + st.error().message);  // not acknowledged
      }
      message = std::move(opened->message);
    }
  }
  const agent::Offset at{d.offset().ms(), d.offset().seq()};
  if (auto st = agent::save_offset(s_.home, at); !st) return fail("cannot save the offset: " + st.error().message);
  v1::ClientFrame ack;
  *ack.mutable_ack()->mutable_up_to() = d.offset();
  s_.stream->send(ack);
  if (!message || message->kind != e2e::Kind::kApprovalRequest) return;
  const auto answer = allow_answer(to_string(message->body));
  if (!answer) return fail("an approval request without a req_id");
  if (send(e2e::Kind::kApprovalAnswer, ByteView(*answer))) ++answered_;
}

}  // namespace bw::bench
