// The pairing handshake of both sides: agreement, and each attack of issue 5 refused with
// nothing written and the secrets erased.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "bw/crypto/base64url.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/pairing/handshake.hpp"

namespace bw::pairing {
namespace {

using e2e::Role;

e2e::Id id(std::uint8_t seed) {
  e2e::Id out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(seed + i);
  return out;
}

// One pairing as auth would set it up: the agent's offer and the client's claim.
struct PairingSetup {
  e2e::Id tenant = id(1), pairing = id(20), agent_device = id(40), client_device = id(60), client_user = id(80);
  Role offered = Role::kMember;
  crypto::X25519PublicKey a_pub{}, c_pub{};
  std::unique_ptr<AgentHandshake> agent;
  std::unique_ptr<ClientHandshake> client;

  explicit PairingSetup(Role role = Role::kMember, std::optional<Role> link_role = std::nullopt) : offered(role) {
    auto a = crypto::x25519_generate().value();
    auto c = crypto::x25519_generate().value();
    a_pub = a.public_key;
    c_pub = c.public_key;
    auto s = crypto::random_secret(32);
    PairingLink link;
    link.pairing_id = pairing;
    link.code = "bwpc_" + crypto::base64url_encode(crypto::random(16));
    link.role = link_role.value_or(role);
    link.expires_at_ms = 1;
    link.agent_public = a.public_key;
    link.secret = s.clone();
    agent = std::make_unique<AgentHandshake>(tenant, pairing, agent_device, role, std::move(a), std::move(s));
    client = std::make_unique<ClientHandshake>(std::move(link), std::move(c));
  }
  ClaimResult claim_result(std::optional<Role> role = std::nullopt) const {
    return {pairing, tenant, agent_device, client_device, client_user, role.value_or(offered)};
  }
  ClaimInfo claim_info(std::optional<Role> role = std::nullopt) const {
    return {client_device, client_user, role.value_or(offered), c_pub, "alice", "laptop"};
  }
};

ReceivedProof as_proof(e2e::Kind k, const crypto::HmacSha256Tag& t) { return {k, Bytes(t.begin(), t.end())}; }

bool has_state(e2e::StateStore& store, const e2e::Id& pairing) {
  auto s = store.load_sender(pairing, e2e::Direction::kAgentToClient);
  auto c = store.load_sender(pairing, e2e::Direction::kClientToAgent);
  return (s && s->has_value()) || (c && c->has_value());
}

TEST(PairingHandshake, BothSidesAgreeAndExchangeAMessage) {
  PairingSetup p;
  auto agent_store = e2e::make_memory_state_store(), client_store = e2e::make_memory_state_store();
  auto claimed = p.client->on_claimed(p.claim_result());
  ASSERT_TRUE(claimed) << claimed.error().message;
  EXPECT_EQ(claimed->sas.size(), 6u);
  ASSERT_TRUE(p.agent->accept_client_proof(p.claim_info(), as_proof(e2e::Kind::kPairClientProof, claimed->proof)));
  auto answer = p.agent->confirm_sas(claimed->sas, *agent_store);
  ASSERT_TRUE(answer) << answer.error().message;
  ASSERT_TRUE(p.client->accept_agent_proof(as_proof(e2e::Kind::kPairAgentProof, answer.value()), *client_store));
  EXPECT_TRUE(p.agent->secrets_erased());
  EXPECT_TRUE(p.client->secrets_erased());

  auto sender = e2e::Sender::open(*agent_store, p.pairing, e2e::Direction::kAgentToClient, p.agent_device, p.client_device);
  ASSERT_TRUE(sender) << sender.error().message;
  auto env = sender->seal(e2e::Kind::kOutput, as_bytes("hello"), 1000);
  ASSERT_TRUE(env);
  auto opened = e2e::receive(*client_store, env.value(), p.pairing, e2e::Direction::kAgentToClient);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(to_string(opened->message.body), "hello");
}

TEST(PairingHandshake, DriversAgreeOverTheMemoryTransport) {
  PairingSetup p;
  auto [agent_end, client_end] = make_memory_transport_pair();
  auto agent_store = e2e::make_memory_state_store(), client_store = e2e::make_memory_state_store();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string shown;
  std::mutex mu;
  std::condition_variable cv;
  Status client_status;
  std::thread client([&] {
    client_status = run_client_handshake(*p.client, p.claim_result(), *client_end, deadline,
                                         [&](std::string_view sas) {
                                           std::lock_guard lock(mu);
                                           shown = sas;
                                           cv.notify_all();
                                         },
                                         *client_store);
  });
  auto st = run_agent_handshake(*p.agent, p.claim_info(), *agent_end, deadline,
                                [&](const ClaimInfo& who) -> std::optional<std::string> {
                                  EXPECT_EQ(who.client_login, "alice");
                                  std::unique_lock lock(mu);
                                  cv.wait_until(lock, deadline, [&] { return !shown.empty(); });
                                  return shown;
                                },
                                *agent_store);
  client.join();
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_TRUE(client_status) << client_status.error().message;
  EXPECT_TRUE(has_state(*agent_store, p.pairing));
  EXPECT_TRUE(has_state(*client_store, p.pairing));
}

TEST(PairingHandshake, SubstitutedClientKeyFailsTheAgentsCheck) {
  PairingSetup p;
  auto store = e2e::make_memory_state_store();
  auto claimed = p.client->on_claimed(p.claim_result());
  ASSERT_TRUE(claimed);
  auto info = p.claim_info();
  info.client_public = crypto::x25519_generate()->public_key;  // auth (or the relay) swaps C
  auto st = p.agent->accept_client_proof(info, as_proof(e2e::Kind::kPairClientProof, claimed->proof));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kHandshakeProof);
  EXPECT_TRUE(p.agent->secrets_erased());
  EXPECT_FALSE(p.agent->confirm_sas(claimed->sas, *store));  // the attempt is over
  EXPECT_FALSE(has_state(*store, p.pairing));
}

TEST(PairingHandshake, SubstitutedAgentKeyFailsTheAgentsCheck) {
  PairingSetup p;
  // The client was given a link whose A is someone else's (but the right s).
  auto other = crypto::x25519_generate().value();
  PairingLink link;
  link.pairing_id = p.pairing;
  link.code = "bwpc_" + crypto::base64url_encode(crypto::random(16));
  link.role = p.offered;
  link.expires_at_ms = 1;
  link.agent_public = other.public_key;
  link.secret = crypto::random_secret(32);
  ClientHandshake fooled(std::move(link), crypto::x25519_generate().value());
  auto claimed = fooled.on_claimed(p.claim_result());
  ASSERT_TRUE(claimed);
  auto st = p.agent->accept_client_proof(p.claim_info(), as_proof(e2e::Kind::kPairClientProof, claimed->proof));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kHandshakeProof);
}

TEST(PairingHandshake, ReflectedClientProofIsNotAnAgentProof) {
  PairingSetup p;
  auto store = e2e::make_memory_state_store();
  auto claimed = p.client->on_claimed(p.claim_result());
  ASSERT_TRUE(claimed);
  // The relay sends the client's own proof back, labelled as the agent's.
  auto st = p.client->accept_agent_proof(as_proof(e2e::Kind::kPairAgentProof, claimed->proof), *store);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kHandshakeProof);
  EXPECT_FALSE(has_state(*store, p.pairing));
  EXPECT_TRUE(p.client->secrets_erased());
}

TEST(PairingHandshake, AgentProofOfTheWrongKindIsRefused) {
  PairingSetup p;
  auto agent_store = e2e::make_memory_state_store(), client_store = e2e::make_memory_state_store();
  auto claimed = p.client->on_claimed(p.claim_result());
  ASSERT_TRUE(p.agent->accept_client_proof(p.claim_info(), as_proof(e2e::Kind::kPairClientProof, claimed->proof)));
  auto answer = p.agent->confirm_sas(claimed->sas, *agent_store);
  ASSERT_TRUE(answer);
  EXPECT_FALSE(p.client->accept_agent_proof(as_proof(e2e::Kind::kPairClientProof, answer.value()), *client_store));
  EXPECT_FALSE(has_state(*client_store, p.pairing));
}

TEST(PairingHandshake, RaisedRoleReportedByTheServerIsRefusedByTheAgent) {
  PairingSetup p(Role::kViewer);
  auto claimed = p.client->on_claimed(p.claim_result());
  ASSERT_TRUE(claimed);
  auto st = p.agent->accept_client_proof(p.claim_info(Role::kAdmin), as_proof(e2e::Kind::kPairClientProof, claimed->proof));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kHandshakeRole);
  EXPECT_TRUE(p.agent->secrets_erased());
}

TEST(PairingHandshake, RaisedRoleInTheClientsTranscriptFailsTheAgentsCheck) {
  // The link was altered to say admin and the server told the client admin too; the agent
  // offered viewer and builds T with viewer, so the client's MAC cannot verify.
  PairingSetup p(Role::kViewer, Role::kAdmin);
  auto claimed = p.client->on_claimed(p.claim_result(Role::kAdmin));
  ASSERT_TRUE(claimed);
  auto st = p.agent->accept_client_proof(p.claim_info(), as_proof(e2e::Kind::kPairClientProof, claimed->proof));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kHandshakeProof);
}

TEST(PairingHandshake, ClientRefusesAClaimAnswerThatDiffersFromTheLink) {
  PairingSetup p(Role::kViewer);
  auto st = p.client->on_claimed(p.claim_result(Role::kMember));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kHandshakeRole);
  PairingSetup q;
  auto other = q.claim_result();
  other.pairing_id = id(99);
  auto st2 = q.client->on_claimed(other);
  ASSERT_FALSE(st2);
  EXPECT_EQ(st2.error().code, kHandshakeClaim);
  EXPECT_TRUE(q.client->secrets_erased());
}

TEST(PairingHandshake, WrongSasWritesNothingAndErasesTheSecrets) {
  PairingSetup p;
  auto store = e2e::make_memory_state_store();
  auto claimed = p.client->on_claimed(p.claim_result());
  ASSERT_TRUE(p.agent->accept_client_proof(p.claim_info(), as_proof(e2e::Kind::kPairClientProof, claimed->proof)));
  std::string wrong = claimed->sas;
  wrong[5] = wrong[5] == '9' ? '0' : static_cast<char>(wrong[5] + 1);
  auto st = p.agent->confirm_sas(wrong, *store);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kHandshakeSas);
  EXPECT_FALSE(has_state(*store, p.pairing));
  EXPECT_TRUE(p.agent->secrets_erased());
  // No second try with the right code: one attempt per offer.
  auto again = p.agent->confirm_sas(claimed->sas, *store);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, kHandshakeState);
  EXPECT_FALSE(has_state(*store, p.pairing));
}

TEST(PairingHandshake, SasIgnoresSpacesButNotExtraDigits) {
  PairingSetup p;
  auto store = e2e::make_memory_state_store();
  auto claimed = p.client->on_claimed(p.claim_result());
  ASSERT_TRUE(p.agent->accept_client_proof(p.claim_info(), as_proof(e2e::Kind::kPairClientProof, claimed->proof)));
  EXPECT_TRUE(p.agent->confirm_sas(" " + claimed->sas.substr(0, 3) + " " + claimed->sas.substr(3) + "\n", *store));
  PairingSetup q;
  auto claimed_q = q.client->on_claimed(q.claim_result());
  ASSERT_TRUE(q.agent->accept_client_proof(q.claim_info(), as_proof(e2e::Kind::kPairClientProof, claimed_q->proof)));
  EXPECT_FALSE(q.agent->confirm_sas(claimed_q->sas + "0", *store));
}

TEST(PairingHandshake, CancelledCodeEndsTheAttemptAndWritesNothing) {
  PairingSetup p;
  auto [agent_end, client_end] = make_memory_transport_pair();
  auto store = e2e::make_memory_state_store();
  auto claimed = p.client->on_claimed(p.claim_result());
  ASSERT_TRUE(client_end->send_proof(e2e::Kind::kPairClientProof, claimed->proof));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto st = run_agent_handshake(*p.agent, p.claim_info(), *agent_end, deadline,
                                [](const ClaimInfo&) { return std::nullopt; }, *store);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kHandshakeCancelled);
  EXPECT_TRUE(p.agent->secrets_erased());
  EXPECT_FALSE(has_state(*store, p.pairing));
}

TEST(PairingTransport, MemoryPairTimesOutBoundsAndRefusesMalformedProofs) {
  auto [a, b] = make_memory_transport_pair();
  const Bytes good(kProofSize, 7);
  EXPECT_FALSE(a->send_proof(e2e::Kind::kPrompt, good));
  EXPECT_FALSE(a->send_proof(e2e::Kind::kPairClientProof, Bytes(31, 7)));
  auto r = b->receive_proof(std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kTransportTimeout);
  for (std::size_t i = 0; i < kMaxQueuedProofs; ++i) ASSERT_TRUE(a->send_proof(e2e::Kind::kPairClientProof, good));
  auto full = a->send_proof(e2e::Kind::kPairClientProof, good);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, kTransportFull);
  a.reset();  // the sender goes away: queued proofs are still delivered, then "closed"
  for (std::size_t i = 0; i < kMaxQueuedProofs; ++i) ASSERT_TRUE(b->receive_proof(std::chrono::steady_clock::now()));
  auto closed = b->receive_proof(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, kTransportClosed);
}


TEST(PairingTransport, FileTransportCarriesEachSidesProofAndRefusesBadFiles) {
  char tmpl[] = "/tmp/bw-pairing-ft-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const e2e::Id pid = id(5);
  auto agent = make_file_transport(dir, pid, true), client = make_file_transport(dir, pid, false);
  const Bytes proof(kProofSize, 9);
  ASSERT_TRUE(client->send_proof(e2e::Kind::kPairClientProof, proof));
  auto got = agent->receive_proof(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->kind, e2e::Kind::kPairClientProof);
  EXPECT_EQ(got->proof, proof);
  // Consumed: nothing more for the agent; the client's own proof never comes back to it.
  auto none = client->receive_proof(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, kTransportTimeout);
  std::ofstream(dir + "/" + crypto::hex_encode(pid) + ".2") << "short";
  auto bad = client->receive_proof(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, kTransportMalformed);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bw::pairing
