// The known-answer file (testdata/e2e_v1_kat.json, made by an independent Python
// implementation) reproduced byte for byte: transcript, shared secret, root key, proofs,
// SAS, chain keys, traffic keys, IVs, padded plaintexts, headers and whole envelopes — and
// each envelope opened by the receiving side.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bw/crypto/hex.hpp"
#include "bw/e2e/envelope.hpp"
#include "bw/e2e/keys.hpp"
#include "bw/e2e/message.hpp"
#include "bw/e2e/session.hpp"

namespace bw::e2e {
namespace {

nlohmann::json kat() {
  std::ifstream in(BW_E2E_KAT_FILE);
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::json::parse(s.str());
}

Bytes hex(const nlohmann::json& v) {
  auto b = crypto::hex_decode(v.get<std::string>());
  EXPECT_TRUE(b) << v;
  return b ? *b : Bytes{};
}

template <std::size_t N>
std::array<std::uint8_t, N> arr(const nlohmann::json& v) {
  const Bytes b = hex(v);
  std::array<std::uint8_t, N> out{};
  EXPECT_EQ(b.size(), N);
  std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
  return out;
}

std::string h(ByteView b) { return crypto::hex_encode(b); }

struct Fixture {
  nlohmann::json k = kat();
  PairingParams params() const {
    const auto& in = k["inputs"];
    PairingParams p;
    p.tenant = arr<16>(in["tenant"]);
    p.pairing_id = arr<16>(in["pairing_id"]);
    p.agent_device = arr<16>(in["agent_device"]);
    p.client_device = arr<16>(in["client_device"]);
    p.client_user = arr<16>(in["client_user"]);
    p.role = *role_from_byte(static_cast<std::uint8_t>(in["role"].get<int>()));
    p.agent_public = arr<32>(k["agent_public"]);
    p.client_public = arr<32>(k["client_public"]);
    return p;
  }
};

TEST(E2eKat, PairingValues) {
  Fixture f;
  const auto& in = f.k["inputs"];
  const Bytes a = hex(in["agent_private"]), c = hex(in["client_private"]);
  EXPECT_EQ(h(*crypto::x25519_public_from_private(a)), f.k["agent_public"]);
  EXPECT_EQ(h(*crypto::x25519_public_from_private(c)), f.k["client_public"]);
  const Bytes t = transcript(f.params());
  EXPECT_EQ(t.size(), 156u);
  EXPECT_EQ(h(t), f.k["transcript"]);
  auto rk_agent = root_key(a, f.params().client_public, hex(in["s"]), t);
  auto rk_client = root_key(c, f.params().agent_public, hex(in["s"]), t);
  ASSERT_TRUE(rk_agent && rk_client);
  EXPECT_EQ(h(rk_agent->view()), f.k["root_key"]);
  EXPECT_EQ(h(rk_client->view()), f.k["root_key"]);
  EXPECT_EQ(h(client_proof(*rk_client, t)), f.k["client_proof"]);
  EXPECT_EQ(h(agent_proof(*rk_agent, t)), f.k["agent_proof"]);
  EXPECT_TRUE(verify_client_proof(*rk_agent, t, hex(f.k["client_proof"])));
  EXPECT_FALSE(verify_client_proof(*rk_agent, t, hex(f.k["agent_proof"]))) << "a reflected proof is refused";
  EXPECT_FALSE(verify_agent_proof(*rk_client, t, hex(f.k["client_proof"])));
  char sas_text[8];
  std::snprintf(sas_text, sizeof sas_text, "%06u", *sas(*rk_agent, t));
  EXPECT_EQ(std::string(sas_text), f.k["sas"]);
  for (const Direction d : {Direction::kAgentToClient, Direction::kClientToAgent}) {
    const std::string label(direction_label(d));
    auto ck0 = initial_chain_key(*rk_agent, d);
    ASSERT_TRUE(ck0);
    EXPECT_EQ(h(ck0->view()), f.k["chain_key_0"][label]);
    EXPECT_EQ(h(next_chain_key(*ck0)->view()), f.k["chain_key_1"][label]);
  }
}

TEST(E2eKat, EveryMessageIsReproducedAndOpens) {
  Fixture f;
  const auto& in = f.k["inputs"];
  const Bytes t = transcript(f.params());
  auto rk = root_key(hex(in["agent_private"]), f.params().client_public, hex(in["s"]), t);
  ASSERT_TRUE(rk);
  const Id pairing = f.params().pairing_id;
  ASSERT_GE(f.k["messages"].size(), 5u);
  for (const auto& m : f.k["messages"]) {
    SCOPED_TRACE(m.dump().substr(0, 120));
    const Direction d = m["direction"] == "a2c" ? Direction::kAgentToClient : Direction::kClientToAgent;
    const auto n = m["n"].get<std::uint64_t>(), r = m["r"].get<std::uint64_t>(), seq = m["seq"].get<std::uint64_t>();
    auto ck = initial_chain_key(*rk, d);
    for (std::uint64_t i = 0; i < n; ++i) ck = next_chain_key(*ck);
    EXPECT_EQ(h(ck->view()), m["chain_key"]);
    auto key = traffic_key(*ck, r, d, pairing);
    EXPECT_EQ(h(key->view()), m["traffic_key"]);
    EXPECT_EQ(h(message_iv(seq)), m["iv"]);
    Message msg{*kind_from_byte(static_cast<std::uint8_t>(m["kind"].get<int>())), std::nullopt, hex(m["body"])};
    if (!m["previous"].is_null()) {
      msg.previous = PreviousEpoch{m["previous"]["n"], m["previous"]["last_seq"], m["previous"]["unclean"]};
    }
    EXPECT_EQ(h(*encode_message(msg)), m["plaintext"]);
    Header hd;
    hd.sender = d == Direction::kAgentToClient ? f.params().agent_device : f.params().client_device;
    hd.recipient = d == Direction::kAgentToClient ? f.params().client_device : f.params().agent_device;
    hd.epoch = {n, r};
    hd.seq = seq;
    hd.nonce = arr<16>(m["nonce"]);
    hd.sent_at_ms = m["sent_at_ms"];
    hd.kind = msg.kind;
    EXPECT_EQ(h(encode_header(hd)), m["header"]);
    // The receiving side, from nothing received yet, opens it.
    auto envelope = decode_envelope(hex(m["envelope"]));
    ASSERT_TRUE(envelope) << envelope.error().message;
    EXPECT_EQ(envelope->header, hd);
    ReceiverState fresh{std::move(initial_chain_key(*rk, d)).value(), 0, 0, 0};
    auto opened = open_envelope(fresh, *envelope, pairing, d);
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(opened->message, msg);
  }
}

// Our own sender, given the same r and nonce, writes the same envelope bytes.
TEST(E2eKat, TheSenderWritesTheKnownEnvelope) {
  Fixture f;
  const auto& in = f.k["inputs"];
  const Bytes t = transcript(f.params());
  auto rk = root_key(hex(in["client_private"]), f.params().agent_public, hex(in["s"]), t);
  ASSERT_TRUE(rk);
  auto store = make_memory_state_store();
  ASSERT_TRUE(initialize_pairing(*store, f.params().pairing_id, /*agent=*/false, *rk));
  const auto& m = f.k["messages"][0];
  auto sender = Sender::open(*store, f.params().pairing_id, Direction::kClientToAgent, f.params().client_device,
                             f.params().agent_device, m["r"].get<std::uint64_t>());
  ASSERT_TRUE(sender) << sender.error().message;
  auto e = sender->seal(Kind::kPrompt, hex(m["body"]), m["sent_at_ms"], arr<16>(m["nonce"]));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(h(encode_envelope(*e)), m["envelope"]);
}

}  // namespace
}  // namespace bw::e2e
