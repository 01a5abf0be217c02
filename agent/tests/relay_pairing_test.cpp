// RelayProofTransport over a scripted connection (pure: the two callbacks are the fake).
#include "relay_pairing.hpp"

#include <gtest/gtest.h>

namespace bw::agent {
namespace {

namespace v1 = breakwater::relay::v1;
using namespace std::chrono_literals;

e2e::Id id_of(std::uint8_t b) {
  e2e::Id id{};
  id.fill(b);
  return id;
}
std::string raw(const e2e::Id& id) { return std::string(id.begin(), id.end()); }

struct Script {
  std::deque<v1::RelayFrame> incoming;
  std::vector<v1::Envelope> sent;
  std::vector<std::uint64_t> pongs;
  RelayProofTransport make(const e2e::Id& self, bool agent) {
    return RelayProofTransport(
        self, agent, [this](const v1::Envelope& e) { sent.push_back(e); return true; },
        [this](std::chrono::milliseconds) -> std::optional<v1::RelayFrame> {
          if (incoming.empty()) return std::nullopt;
          auto f = incoming.front();
          incoming.pop_front();
          return f;
        },
        nullptr, [this](std::uint64_t id) { pongs.push_back(id); }, [this] { return incoming.empty(); });
  }
  void deliver(const e2e::Id& from, const e2e::Id& to, v1::Kind kind, std::size_t size = 32, char fill = 'p') {
    v1::RelayFrame f;
    auto* e = f.mutable_delivery()->mutable_envelope();
    e->set_sender(raw(from));
    e->set_recipient(raw(to));
    e->set_kind(kind);
    e->set_ciphertext(std::string(size, fill));
    incoming.push_back(f);
  }
};

TEST(RelayProofTransport, SendsAProofAsARelayCheckableEnvelope) {
  Script s;
  auto t = s.make(id_of(1), true);
  EXPECT_FALSE(t.send_proof(e2e::Kind::kPairAgentProof, Bytes(32, 7)));  // no peer yet
  t.set_peer(id_of(2));
  ASSERT_TRUE(t.send_proof(e2e::Kind::kPairAgentProof, Bytes(32, 7)));
  ASSERT_EQ(s.sent.size(), 1u);
  const auto& e = s.sent[0];
  EXPECT_EQ(e.version(), 1u);
  EXPECT_EQ(e.sender(), raw(id_of(1)));
  EXPECT_EQ(e.recipient(), raw(id_of(2)));
  EXPECT_EQ(e.epoch(), std::string(16, '\0'));
  EXPECT_EQ(e.seq(), 0u);
  EXPECT_EQ(e.nonce().size(), 16u);
  EXPECT_EQ(e.kind(), v1::KIND_PAIR_AGENT_PROOF);
  EXPECT_EQ(e.ciphertext(), std::string(32, '\x07'));
  EXPECT_FALSE(t.send_proof(e2e::Kind::kPairAgentProof, Bytes(31, 7)));
}

TEST(RelayProofTransport, TakesOnlyTheExpectedKindFromThePeerToItself) {
  Script s;
  const auto self = id_of(1), peer = id_of(2), other = id_of(3);
  auto t = s.make(self, true);
  t.set_peer(peer);
  s.deliver(other, self, v1::KIND_PAIR_CLIENT_PROOF, 32, 'x');  // someone else
  s.deliver(peer, other, v1::KIND_PAIR_CLIENT_PROOF, 32, 'y');  // not addressed to us
  s.deliver(peer, self, v1::KIND_PAIR_AGENT_PROOF, 32, 'z');    // the reflected kind
  s.deliver(peer, self, v1::KIND_PAIR_CLIENT_PROOF, 31, 'w');   // wrong size
  s.deliver(peer, self, v1::KIND_PAIR_CLIENT_PROOF, 32, 'p');
  auto got = t.receive_proof(std::chrono::steady_clock::now() + 1s);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->kind, e2e::Kind::kPairClientProof);
  EXPECT_EQ(got->proof, Bytes(32, 'p'));
  EXPECT_FALSE(t.receive_proof(std::chrono::steady_clock::now() + 10ms));  // nothing else
}

TEST(RelayProofTransport, KeepsEarlyProofsOfTheLaterPeerOnlyAndBounded) {
  Script s;
  const auto self = id_of(1), peer = id_of(2);
  auto t = s.make(self, true);
  for (int i = 0; i < 10; ++i) s.deliver(peer, self, v1::KIND_PAIR_CLIENT_PROOF, 32, static_cast<char>('a' + i));
  s.deliver(id_of(9), self, v1::KIND_PAIR_CLIENT_PROOF, 32, 'q');
  t.pump(50ms);
  t.set_peer(peer);
  int n = 0;
  while (t.receive_proof(std::chrono::steady_clock::now() + 10ms)) ++n;
  EXPECT_EQ(n, static_cast<int>(pairing::kMaxQueuedProofs));
}

TEST(RelayProofTransport, AnswersPingsAndFailsOnTheRelaysRefusal) {
  Script s;
  auto t = s.make(id_of(1), false);
  t.set_peer(id_of(2));
  v1::RelayFrame ping;
  ping.mutable_ping()->set_id(77);
  s.incoming.push_back(ping);
  v1::RelayFrame err;
  err.mutable_error()->set_code(v1::Error::NOT_PAIRED);
  err.mutable_error()->mutable_envelope()->set_recipient(raw(id_of(2)));
  s.incoming.push_back(err);
  auto st = t.send_proof(e2e::Kind::kPairClientProof, Bytes(32, 1));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("NOT_PAIRED"), std::string::npos);
  EXPECT_EQ(s.pongs, std::vector<std::uint64_t>{77});
}

}  // namespace
}  // namespace bw::agent
