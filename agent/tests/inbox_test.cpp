// Inbox: the agent's checks on delivered envelopes, with real libs/e2e crypto over an
// in-memory state store (the store is the only port; the file store has its own test).
#include "inbox.hpp"

#include <gtest/gtest.h>

#include "bw/crypto/aes_gcm.hpp"
#include "bw/crypto/random.hpp"
#include "bw/e2e/keys.hpp"

namespace bw::agent {
namespace {

using e2e::Direction;
using e2e::Kind;
constexpr std::int64_t kNow = 1'800'000'000'000;

e2e::Id id_of(std::uint8_t b) {
  e2e::Id id{};
  id.fill(b);
  return id;
}

struct World {
  e2e::Id agent = id_of(0xA1), client = id_of(0xC1), pairing = id_of(0x71);
  crypto::SecretBytes rk = crypto::random_secret(32);
  std::unique_ptr<e2e::StateStore> agent_store = e2e::make_memory_state_store();
  std::unique_ptr<e2e::StateStore> client_store = e2e::make_memory_state_store();
  Inbox inbox;

  explicit World(e2e::Role role = e2e::Role::kMember) : inbox(*agent_store, agent, std::chrono::minutes(10)) {
    EXPECT_TRUE(e2e::initialize_pairing(*agent_store, pairing, true, rk));
    EXPECT_TRUE(e2e::initialize_pairing(*client_store, pairing, false, rk));
    inbox.add_pairing({pairing, client, role});
  }
  e2e::Sender sender() {
    auto s = e2e::Sender::open(*client_store, pairing, Direction::kClientToAgent, client, agent);
    EXPECT_TRUE(s) << s.error().message;
    return std::move(s).value();
  }
  e2e::Envelope seal(e2e::Sender& s, Kind kind, const std::string& body) {
    auto e = s.seal(kind, as_bytes(body), kNow);
    EXPECT_TRUE(e) << e.error().message;
    return std::move(e).value();
  }
  // What a client holding the keys could forge: inner type `inner` under outer `outer`, as
  // the first message of epoch 1.
  e2e::Envelope disguised(Kind inner, Kind outer, const std::string& body) {
    auto ck0 = e2e::initial_chain_key(rk, Direction::kClientToAgent);
    auto ck1 = e2e::next_chain_key(*ck0);
    e2e::Envelope e;
    e.header = {e2e::kVersion, client, agent, {1, 42}, 1, {}, kNow, outer};
    auto key = e2e::traffic_key(*ck1, 42, Direction::kClientToAgent, pairing);
    auto pt = e2e::encode_message({inner, std::nullopt, to_bytes(body)});
    const auto aad = e2e::encode_header(e.header);
    auto ct = crypto::aes256_gcm_seal(key->view(), e2e::message_iv(1), aad, *pt);
    e.ciphertext = std::move(ct).value();
    return e;
  }
};

TEST(Inbox, AcceptsAMembersPromptAndCommitsBeforeReturning) {
  World w;
  auto s = w.sender();
  auto v = w.inbox.receive(w.seal(s, Kind::kPrompt, "hello"), kNow);
  ASSERT_EQ(v.outcome, Outcome::kAccepted) << drop_reason_name(v.reason);
  EXPECT_EQ(to_string(v.message->body), "hello");
  EXPECT_FALSE(v.gap);
  auto stored = w.agent_store->load_receiver(w.pairing, Direction::kClientToAgent);
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_EQ((*stored)->seq, 1u);
  EXPECT_EQ(w.inbox.stats().accepted.load(), 1u);
}

TEST(Inbox, DropsAViewersPromptAndItsDisguiseAsAnotherKind) {
  World w(e2e::Role::kViewer);
  // The open prompt: authentic, but the role forbids it.
  auto open = w.disguised(Kind::kPrompt, Kind::kPrompt, "rm -rf");
  auto v = w.inbox.receive(open, kNow);
  EXPECT_EQ(v.outcome, Outcome::kDropped);
  EXPECT_EQ(v.reason, DropReason::kRoleForbids);
  EXPECT_FALSE(v.message);
  // The same prompt inside an ASSERTION envelope (which a viewer may send): the kind check.
  World w2(e2e::Role::kViewer);
  auto v2 = w2.inbox.receive(w2.disguised(Kind::kPrompt, Kind::kAssertion, "rm -rf"), kNow);
  EXPECT_EQ(v2.outcome, Outcome::kDropped);
  EXPECT_EQ(v2.reason, DropReason::kKindMismatch);
  EXPECT_FALSE(v2.message);
}

TEST(Inbox, DropsAKindMismatchFromAMemberToo) {
  World w;
  auto v = w.inbox.receive(w.disguised(Kind::kApprovalAnswer, Kind::kPrompt, "yes"), kNow);
  EXPECT_EQ(v.reason, DropReason::kKindMismatch);
  // Nothing was committed: the honest first message of epoch 1 still opens.
  auto s = w.sender();
  EXPECT_EQ(w.inbox.receive(w.seal(s, Kind::kPrompt, "ok"), kNow).outcome, Outcome::kAccepted);
}

TEST(Inbox, RefusesARevokedPairingAndErasesItsKeys) {
  World w;
  auto s = w.sender();
  auto first = w.seal(s, Kind::kPrompt, "one");
  auto second = w.seal(s, Kind::kPrompt, "two");
  ASSERT_EQ(w.inbox.receive(first, kNow).outcome, Outcome::kAccepted);
  ASSERT_TRUE(w.inbox.revoke(w.pairing));
  auto v = w.inbox.receive(second, kNow);
  EXPECT_EQ(v.outcome, Outcome::kDropped);
  EXPECT_EQ(v.reason, DropReason::kRevoked);
  auto keys = w.agent_store->load_receiver(w.pairing, Direction::kClientToAgent);
  ASSERT_TRUE(keys);
  EXPECT_FALSE(keys->has_value());
  // A fresh Inbox (a restart) that still lists the pairing finds no keys: still refused.
  Inbox restarted(*w.agent_store, w.agent, std::chrono::minutes(10));
  restarted.add_pairing({w.pairing, w.client, e2e::Role::kMember});
  EXPECT_EQ(restarted.receive(second, kNow).outcome, Outcome::kDropped);
}

TEST(Inbox, DropsDuplicatesSilently) {
  World w;
  auto s = w.sender();
  auto e = w.seal(s, Kind::kPrompt, "once");
  ASSERT_EQ(w.inbox.receive(e, kNow).outcome, Outcome::kAccepted);
  auto again = w.inbox.receive(e, kNow);
  EXPECT_EQ(again.outcome, Outcome::kDuplicate);
  EXPECT_FALSE(again.gap);
  EXPECT_EQ(w.inbox.stats().duplicates.load(), 1u);
  EXPECT_EQ(w.inbox.stats().dropped.load(), 0u);
}

TEST(Inbox, ReportsAGapInTheMiddleOfAnEpoch) {
  World w;
  auto s = w.sender();
  auto m1 = w.seal(s, Kind::kPrompt, "1");
  (void)w.seal(s, Kind::kPrompt, "2");  // lost on the way
  (void)w.seal(s, Kind::kPrompt, "3");  // lost on the way
  auto m4 = w.seal(s, Kind::kPrompt, "4");
  ASSERT_EQ(w.inbox.receive(m1, kNow).outcome, Outcome::kAccepted);
  auto v = w.inbox.receive(m4, kNow);
  ASSERT_EQ(v.outcome, Outcome::kAccepted);
  ASSERT_TRUE(v.gap);
  EXPECT_EQ(*v.gap, (Gap{m4.header.epoch.n, 2, 3}));
  EXPECT_EQ(w.inbox.stats().gaps.load(), 1u);
}

TEST(Inbox, ReportsTheTailOfAPreviousEpochThatNeverArrived) {
  World w;
  {
    auto s = w.sender();
    ASSERT_EQ(w.inbox.receive(w.seal(s, Kind::kPrompt, "a"), kNow).outcome, Outcome::kAccepted);
    (void)w.seal(s, Kind::kPrompt, "lost");
    ASSERT_TRUE(s.close());
  }
  auto s2 = w.sender();  // the client restarted: a new epoch whose marker says seq 2 was sent
  auto v = w.inbox.receive(w.seal(s2, Kind::kPrompt, "b"), kNow);
  ASSERT_EQ(v.outcome, Outcome::kAccepted);
  ASSERT_TRUE(v.gap);
  EXPECT_EQ(v.gap->from_seq, 2u);
  EXPECT_EQ(v.gap->to_seq, 2u);
}

TEST(Inbox, RefusesAnOldEpochReplayedAfterARestart) {
  World w;
  std::vector<e2e::Envelope> old_epoch;
  {
    auto s = w.sender();
    for (int i = 0; i < 3; ++i) old_epoch.push_back(w.seal(s, Kind::kPrompt, "old"));
  }
  for (const auto& e : old_epoch) ASSERT_EQ(w.inbox.receive(e, kNow).outcome, Outcome::kAccepted);
  auto s2 = w.sender();
  ASSERT_EQ(w.inbox.receive(w.seal(s2, Kind::kPrompt, "new"), kNow).outcome, Outcome::kAccepted);
  // The agent restarts (a new Inbox over the same durable store); the relay, or an attacker,
  // replays the whole old epoch.
  Inbox restarted(*w.agent_store, w.agent, std::chrono::minutes(10));
  restarted.add_pairing({w.pairing, w.client, e2e::Role::kMember});
  for (const auto& e : old_epoch) {
    auto v = restarted.receive(e, kNow);
    EXPECT_EQ(v.outcome, Outcome::kDropped);
    EXPECT_EQ(v.reason, DropReason::kStaleEpoch);
    EXPECT_FALSE(v.message);
  }
}

TEST(Inbox, DropsUnknownSendersWrongRecipientsAndAgentKinds) {
  World w;
  auto s = w.sender();
  auto e = w.seal(s, Kind::kPrompt, "x");
  auto stranger = e;
  stranger.header.sender = id_of(0xEE);
  EXPECT_EQ(w.inbox.receive(stranger, kNow).reason, DropReason::kUnknownSender);
  auto elsewhere = e;
  elsewhere.header.recipient = id_of(0xA2);
  EXPECT_EQ(w.inbox.receive(elsewhere, kNow).reason, DropReason::kWrongRecipient);
  auto output = e;
  output.header.kind = Kind::kOutput;
  EXPECT_EQ(w.inbox.receive(output, kNow).reason, DropReason::kWrongDirection);
  auto tampered = e;
  tampered.ciphertext[0] ^= 1;
  EXPECT_EQ(w.inbox.receive(tampered, kNow).reason, DropReason::kInvalid);
  // None of that consumed the real message.
  EXPECT_EQ(w.inbox.receive(e, kNow).outcome, Outcome::kAccepted);
}

TEST(Inbox, DropsAStalePromptButAdvancesSoItIsNoGap) {
  World w;
  auto s = w.sender();
  auto old = w.seal(s, Kind::kPrompt, "late");
  auto next = w.seal(s, Kind::kPrompt, "fresh");
  auto v = w.inbox.receive(old, kNow + std::chrono::milliseconds(e2e::kMaxCommandAge).count() + 1000);
  EXPECT_EQ(v.reason, DropReason::kTooOld);
  auto v2 = w.inbox.receive(next, kNow);
  EXPECT_EQ(v2.outcome, Outcome::kAccepted);
  EXPECT_FALSE(v2.gap);
}

// ---- device assertions (the verifier stands in for the JWT check, tested in libs/jwt and
// end to end in agent_relay_system_test) ----

struct AssertingWorld : World {
  e2e::Id tenant = id_of(0x7E), user = id_of(0x55);
  std::array<std::uint8_t, 32> key_hash{};
  int calls = 0;
  std::string last_token;

  explicit AssertingWorld(e2e::Role pairing_role = e2e::Role::kMember) : World(pairing_role) {
    key_hash.fill(0x4B);
    inbox.add_pairing({pairing, client, pairing_role, key_hash, user});
    inbox.require_assertions(
        [this](std::string_view token, std::int64_t) -> Result<AssertedDevice> {
          ++calls;
          last_token = std::string(token);
          // Tokens of the form "ok:<role>:<what differs>" stand for verified assertions.
          if (token.rfind("ok:", 0) != 0) return Error{1, "assertion refused: bad_signature"};
          AssertedDevice d{tenant, user, client, e2e::Role::kMember, key_hash};
          if (token.find(":viewer") != std::string_view::npos) d.role = e2e::Role::kViewer;
          if (token.find(":owner") != std::string_view::npos) d.role = e2e::Role::kOwner;
          if (token.find(":tenant") != std::string_view::npos) d.tenant = id_of(0x01);
          if (token.find(":device") != std::string_view::npos) d.device = id_of(0x02);
          if (token.find(":user") != std::string_view::npos) d.user = id_of(0x03);
          if (token.find(":key") != std::string_view::npos) d.key_sha256.fill(0x04);
          return d;
        },
        tenant);
  }
};

TEST(InboxAssertions, APromptWithoutAnAssertionIsDroppedAndAValidOneOpensTheEpoch) {
  AssertingWorld w;
  auto s = w.sender();
  auto early = w.inbox.receive(w.seal(s, Kind::kPrompt, "too early"), kNow);
  EXPECT_EQ(early.outcome, Outcome::kDropped);
  EXPECT_EQ(early.reason, DropReason::kNoAssertion);
  auto a = w.inbox.receive(w.seal(s, Kind::kAssertion, "ok:member"), kNow);
  ASSERT_EQ(a.outcome, Outcome::kAccepted) << a.detail;
  EXPECT_EQ(w.last_token, "ok:member") << "the message body is what gets verified";
  auto p = w.inbox.receive(w.seal(s, Kind::kPrompt, "now"), kNow);
  ASSERT_EQ(p.outcome, Outcome::kAccepted) << drop_reason_name(p.reason);
  EXPECT_EQ(p.role, e2e::Role::kMember);
  EXPECT_FALSE(p.gap) << "the dropped prompt advanced the state: no gap";
}

TEST(InboxAssertions, TheAssertionsRoleLowersThePairingsNeverRaisesIt) {
  {
    AssertingWorld w(e2e::Role::kMember);  // a member pairing, a user since demoted to viewer
    auto s = w.sender();
    ASSERT_EQ(w.inbox.receive(w.seal(s, Kind::kAssertion, "ok:viewer"), kNow).outcome, Outcome::kAccepted);
    auto p = w.inbox.receive(w.seal(s, Kind::kPrompt, "rm -rf"), kNow);
    EXPECT_EQ(p.outcome, Outcome::kDropped);
    EXPECT_EQ(p.reason, DropReason::kRoleForbids);
  }
  {
    AssertingWorld w(e2e::Role::kViewer);  // a viewer pairing; the user is an owner
    auto s = w.sender();
    ASSERT_EQ(w.inbox.receive(w.seal(s, Kind::kAssertion, "ok:owner"), kNow).outcome, Outcome::kAccepted);
    auto p = w.inbox.receive(w.seal(s, Kind::kPrompt, "rm -rf"), kNow);
    EXPECT_EQ(p.reason, DropReason::kRoleForbids) << "the pairing's viewer role still binds";
  }
}

TEST(InboxAssertions, AnAssertionForAnotherTenantDeviceUserOrKeyOrUnsignedIsRefused) {
  for (const std::string token : {"ok:member:tenant", "ok:member:device", "ok:member:user", "ok:member:key", "forged"}) {
    AssertingWorld w;
    auto s = w.sender();
    auto a = w.inbox.receive(w.seal(s, Kind::kAssertion, token), kNow);
    EXPECT_EQ(a.outcome, Outcome::kDropped) << token;
    EXPECT_EQ(a.reason, DropReason::kBadAssertion) << token;
    EXPECT_FALSE(a.detail.empty()) << token;
    auto p = w.inbox.receive(w.seal(s, Kind::kPrompt, "x"), kNow);
    EXPECT_EQ(p.reason, DropReason::kNoAssertion) << token << ": the epoch stays closed";
  }
}

TEST(InboxAssertions, AnAssertionHoldsForItsEpochOnly) {
  AssertingWorld w;
  {
    auto s = w.sender();
    ASSERT_EQ(w.inbox.receive(w.seal(s, Kind::kAssertion, "ok:member"), kNow).outcome, Outcome::kAccepted);
    ASSERT_EQ(w.inbox.receive(w.seal(s, Kind::kPrompt, "one"), kNow).outcome, Outcome::kAccepted);
    ASSERT_TRUE(s.close());
  }
  auto s2 = w.sender();  // a new process: a new epoch
  auto p = w.inbox.receive(w.seal(s2, Kind::kPrompt, "two"), kNow);
  EXPECT_EQ(p.reason, DropReason::kNoAssertion);
}

TEST(InboxAssertions, AcksAndClosesNeedNoAssertion) {
  AssertingWorld w;
  auto s = w.sender();
  auto ack = w.inbox.receive(w.seal(s, Kind::kAck, std::string(16, '\0')), kNow);
  EXPECT_EQ(ack.outcome, Outcome::kAccepted) << drop_reason_name(ack.reason);
  EXPECT_EQ(w.calls, 0);
}

TEST(InboxAssertions, APairingRecordedWithoutItsKeyCannotBeAsserted) {
  AssertingWorld w;
  w.inbox.add_pairing({w.pairing, w.client, e2e::Role::kMember, std::nullopt, std::nullopt});
  auto s = w.sender();
  auto a = w.inbox.receive(w.seal(s, Kind::kAssertion, "ok:member"), kNow);
  EXPECT_EQ(a.reason, DropReason::kBadAssertion);
  EXPECT_EQ(w.calls, 0) << "refused before any verification";
}

TEST(InboxAssertions, RevocationForgetsTheAssertion) {
  AssertingWorld w;
  auto s = w.sender();
  ASSERT_EQ(w.inbox.receive(w.seal(s, Kind::kAssertion, "ok:member"), kNow).outcome, Outcome::kAccepted);
  ASSERT_TRUE(w.inbox.revoke(w.pairing));
  auto p = w.inbox.receive(w.seal(s, Kind::kPrompt, "after"), kNow);
  EXPECT_EQ(p.reason, DropReason::kRevoked);
}

}  // namespace
}  // namespace bw::agent
