// Sending and receiving over state stores, as an agent and a client do after pairing, and
// the attacks the receiver must refuse: replays (also of a whole old epoch after a restart),
// tampering, a reused epoch number with another r, epochs too far ahead, wrong directions,
// an inner type that differs from the envelope's kind, state committed only on request.
#include <gtest/gtest.h>

#include "bw/crypto/aes_gcm.hpp"
#include "bw/crypto/random.hpp"
#include "bw/e2e/keys.hpp"
#include "bw/e2e/session.hpp"

namespace bw::e2e {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

struct Pair {
  Id pairing{1}, agent{2}, client{3};
  std::unique_ptr<StateStore> agent_store = make_memory_state_store();
  std::unique_ptr<StateStore> client_store = make_memory_state_store();

  Pair() {
    // Both sides' rk through the real handshake arithmetic.
    auto a = crypto::x25519_generate();
    auto c = crypto::x25519_generate();
    const Bytes s = crypto::random(32);
    PairingParams p{Id{9}, pairing, agent, client, Id{4}, Role::kMember, a->public_key, c->public_key};
    const Bytes t = transcript(p);
    auto rk_a = root_key(a->private_key.view(), c->public_key, s, t);
    auto rk_c = root_key(c->private_key.view(), a->public_key, s, t);
    EXPECT_TRUE(rk_a && rk_c);
    EXPECT_TRUE(initialize_pairing(*agent_store, pairing, true, *rk_a));
    EXPECT_TRUE(initialize_pairing(*client_store, pairing, false, *rk_c));
  }
  Result<Sender> client_sender() { return Sender::open(*client_store, pairing, Direction::kClientToAgent, client, agent); }
  Result<Sender> agent_sender() { return Sender::open(*agent_store, pairing, Direction::kAgentToClient, agent, client); }
  // The agent receives and commits.
  Result<Message> agent_gets(const Envelope& e) {
    auto opened = receive(*agent_store, e, pairing, Direction::kClientToAgent);
    if (!opened) return opened.error();
    if (auto st = commit(*agent_store, pairing, Direction::kClientToAgent, opened->next); !st) return st.error();
    return opened->message;
  }
};

TEST(E2eSession, MessagesFlowBothWaysInOrder) {
  Pair p;
  auto cs = p.client_sender();
  auto as = p.agent_sender();
  ASSERT_TRUE(cs && as);
  for (int i = 0; i < 5; ++i) {
    auto e = cs->seal(Kind::kPrompt, to_bytes("prompt " + std::to_string(i)), kNow);
    ASSERT_TRUE(e);
    auto m = p.agent_gets(*e);
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(to_string(m->body), "prompt " + std::to_string(i));
  }
  auto out = as->seal(Kind::kOutput, to_bytes("done"), kNow);
  ASSERT_TRUE(out);
  auto got = receive(*p.client_store, *out, p.pairing, Direction::kAgentToClient);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(to_string(got->message.body), "done");
}

TEST(E2eSession, AReplayedEnvelopeIsRefusedAfterCommit) {
  Pair p;
  auto cs = p.client_sender();
  auto e = cs->seal(Kind::kPrompt, to_bytes("once"), kNow);
  ASSERT_TRUE(p.agent_gets(*e));
  auto again = p.agent_gets(*e);
  ASSERT_FALSE(again);
  EXPECT_TRUE(has_code(again.error(), Errc::kReplay));
}

TEST(E2eSession, NothingIsCommittedUntilTheCallerCommits) {
  Pair p;
  auto cs = p.client_sender();
  auto e = cs->seal(Kind::kPrompt, to_bytes("x"), kNow);
  ASSERT_TRUE(receive(*p.agent_store, *e, p.pairing, Direction::kClientToAgent));
  EXPECT_TRUE(receive(*p.agent_store, *e, p.pairing, Direction::kClientToAgent)) << "not committed: still new";
  // A message that fails authentication changes nothing either.
  Envelope forged = *e;
  forged.ciphertext.back() ^= 1;
  EXPECT_TRUE(has_code(receive(*p.agent_store, forged, p.pairing, Direction::kClientToAgent).error(), Errc::kAuthentication));
  EXPECT_TRUE(p.agent_gets(*e));
}

TEST(E2eSession, ARestartedSenderOpensANewEpochWithThePreviousMarker) {
  Pair p;
  std::vector<Envelope> first_epoch;
  {
    auto cs = p.client_sender();
    for (int i = 0; i < 3; ++i) first_epoch.push_back(*cs->seal(Kind::kPrompt, to_bytes("e1"), kNow));
    EXPECT_EQ(cs->epoch().n, 1u);
  }  // crashed: close() never ran
  for (const auto& e : first_epoch) ASSERT_TRUE(p.agent_gets(e));
  auto cs = p.client_sender();
  ASSERT_TRUE(cs);
  EXPECT_EQ(cs->epoch().n, 2u);
  auto e = cs->seal(Kind::kPrompt, to_bytes("e2"), kNow);
  auto m = p.agent_gets(*e);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_TRUE(m->previous.has_value());
  EXPECT_EQ(m->previous->n, 1u);
  EXPECT_EQ(m->previous->last_seq, 0u) << "nothing durable was recorded for epoch 1";
  EXPECT_TRUE(m->previous->unclean);
  auto second = p.agent_gets(*cs->seal(Kind::kPrompt, to_bytes("e2b"), kNow));
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->previous.has_value()) << "only the epoch's first message carries the marker";
  ASSERT_TRUE(cs->close());
  auto next = p.client_sender();
  auto m3 = p.agent_gets(*next->seal(Kind::kPrompt, to_bytes("e3"), kNow));
  ASSERT_TRUE(m3);
  EXPECT_EQ(*m3->previous, (PreviousEpoch{2, 2, false}));
  // The whole first epoch replayed to the agent after it restarted (state from its store).
  for (const auto& old : first_epoch) {
    auto r = p.agent_gets(old);
    ASSERT_FALSE(r);
    EXPECT_TRUE(has_code(r.error(), Errc::kReplay));
  }
}

TEST(E2eSession, AReusedEpochNumberWithAnotherRIsRefused) {
  Pair p;
  // A restored snapshot: the same durable state twice, so both senders open epoch 1.
  auto snapshot = p.client_store->load_sender(p.pairing, Direction::kClientToAgent);
  auto first = p.client_sender();
  ASSERT_TRUE(p.agent_gets(*first->seal(Kind::kPrompt, to_bytes("a"), kNow)));
  ASSERT_TRUE(p.client_store->save_sender(p.pairing, Direction::kClientToAgent, **snapshot));
  auto clone = p.client_sender();
  ASSERT_EQ(clone->epoch().n, first->epoch().n);
  ASSERT_NE(clone->epoch().r, first->epoch().r) << "a fresh r, so no (key, IV) repeats";
  auto r = p.agent_gets(*clone->seal(Kind::kPrompt, to_bytes("b"), kNow));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), Errc::kReplay));
}

TEST(E2eSession, TamperingWithAnyHeaderFieldFailsAuthentication) {
  Pair p;
  auto cs = p.client_sender();
  auto e = cs->seal(Kind::kPrompt, to_bytes("x"), kNow);
  const auto bytes = encode_envelope(*e);
  // Every byte of the header that still decodes (version, kind and seq 0 are refused earlier).
  for (std::size_t i = 1; i < kHeaderSize - 1; ++i) {
    Bytes changed = bytes;
    changed[i] ^= 0x40;
    auto decoded = decode_envelope(changed);
    if (!decoded) continue;
    auto r = receive(*p.agent_store, *decoded, p.pairing, Direction::kClientToAgent);
    ASSERT_FALSE(r) << "byte " << i;
  }
  Envelope other_kind = *e;
  other_kind.header.kind = Kind::kControl;
  EXPECT_TRUE(has_code(receive(*p.agent_store, other_kind, p.pairing, Direction::kClientToAgent).error(),
                       Errc::kAuthentication));
}

TEST(E2eSession, AnInnerTypeOtherThanTheEnvelopeKindIsRefused) {
  Pair p;
  auto state = p.agent_store->load_receiver(p.pairing, Direction::kClientToAgent);
  auto ck1 = next_chain_key((*state)->ck);
  auto key = traffic_key(*ck1, 7, Direction::kClientToAgent, p.pairing);
  Header h;
  h.sender = p.client;
  h.recipient = p.agent;
  h.epoch = {1, 7};
  h.seq = 1;
  h.sent_at_ms = kNow;
  h.kind = Kind::kAck;  // the envelope (which the relay sees) says ACK…
  auto inner = encode_message(Message{Kind::kPrompt, std::nullopt, to_bytes("smuggled")});  // …the inside says PROMPT
  const auto aad = encode_header(h);
  auto ct = crypto::aes256_gcm_seal(key->view(), message_iv(1), aad, *inner);
  auto r = receive(*p.agent_store, Envelope{h, *ct}, p.pairing, Direction::kClientToAgent);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), Errc::kKindMismatch));
}

TEST(E2eSession, EpochsTooFarAheadAndWrongDirectionsAreRefused) {
  Pair p;
  auto state = p.agent_store->load_receiver(p.pairing, Direction::kClientToAgent);
  Envelope far{};
  far.header.epoch = {kMaxRatchetSteps + 1, 1};
  far.header.seq = 1;
  far.header.kind = Kind::kPrompt;
  far.ciphertext.resize(32);
  EXPECT_TRUE(has_code(open_envelope(**state, far, p.pairing, Direction::kClientToAgent).error(), Errc::kTooFarAhead));
  auto as = p.agent_sender();
  EXPECT_TRUE(has_code(as->seal(Kind::kPrompt, to_bytes("x"), kNow).error(), Errc::kWrongDirection));
  auto out = as->seal(Kind::kOutput, to_bytes("x"), kNow);
  EXPECT_TRUE(has_code(receive(*p.agent_store, *out, p.pairing, Direction::kClientToAgent).error(), Errc::kWrongDirection))
      << "an agent's OUTPUT reflected back at the agent";
}

TEST(E2eSession, ExactlyKMaxRatchetStepsAheadStillOpens) {
  Pair p;
  auto stored = p.client_store->load_sender(p.pairing, Direction::kClientToAgent);
  SenderState jumped{(*stored)->ck.clone(), kMaxRatchetSteps - 1, 0, true};
  for (std::uint64_t i = 0; i < kMaxRatchetSteps - 1; ++i) jumped.ck = std::move(next_chain_key(jumped.ck)).value();
  ASSERT_TRUE(p.client_store->save_sender(p.pairing, Direction::kClientToAgent, jumped));
  auto cs = p.client_sender();
  ASSERT_EQ(cs->epoch().n, kMaxRatchetSteps);
  EXPECT_TRUE(p.agent_gets(*cs->seal(Kind::kPrompt, to_bytes("far but allowed"), kNow)));
}

TEST(E2eSession, WithoutPairingStateNothingIsSentOrReceived) {
  auto store = make_memory_state_store();
  auto s = Sender::open(*store, Id{1}, Direction::kClientToAgent, Id{2}, Id{3});
  ASSERT_FALSE(s);
  EXPECT_TRUE(has_code(s.error(), Errc::kState));
  Pair p;
  auto e = p.client_sender()->seal(Kind::kPrompt, to_bytes("x"), kNow);
  ASSERT_TRUE(p.agent_store->erase(p.pairing));
  EXPECT_TRUE(has_code(receive(*p.agent_store, *e, p.pairing, Direction::kClientToAgent).error(), Errc::kState));
}

TEST(E2eSession, AgeLimitsPerKind) {
  Header h;
  h.kind = Kind::kPrompt;
  h.sent_at_ms = kNow - 5 * 60 * 1000 - 1;
  EXPECT_TRUE(has_code(check_age(h, kNow, std::chrono::seconds(60)).error(), Errc::kTooOld));
  h.sent_at_ms = kNow - 5 * 60 * 1000;
  EXPECT_TRUE(check_age(h, kNow, std::chrono::seconds(60)));
  h.kind = Kind::kApprovalAnswer;
  h.sent_at_ms = kNow - 61'000;
  EXPECT_FALSE(check_age(h, kNow, std::chrono::seconds(60)));
  h.kind = Kind::kOutput;
  h.sent_at_ms = kNow - 86'400'000;
  EXPECT_TRUE(check_age(h, kNow, std::chrono::seconds(60))) << "output has no age limit";
  h.sent_at_ms = kNow + 61'000;
  EXPECT_FALSE(check_age(h, kNow, std::chrono::seconds(60))) << "from the future";
}

TEST(E2eSession, RolesAndKinds) {
  EXPECT_FALSE(role_may_send(Role::kViewer, Kind::kPrompt));
  EXPECT_FALSE(role_may_send(Role::kViewer, Kind::kControl));
  EXPECT_FALSE(role_may_send(Role::kViewer, Kind::kApprovalAnswer));
  EXPECT_TRUE(role_may_send(Role::kViewer, Kind::kAck));
  EXPECT_TRUE(role_may_send(Role::kMember, Kind::kPrompt));
  EXPECT_EQ(lower_role(Role::kOwner, Role::kViewer), Role::kViewer);
  EXPECT_EQ(lower_role(Role::kMember, Role::kAdmin), Role::kMember);
}

}  // namespace
}  // namespace bw::e2e
