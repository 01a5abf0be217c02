// breakwater-relay end to end: real relay pods, auth, ratelimit and Redis (see
// relay_system_support.hpp). Agents on one pod, clients on another; every refusal DESIGN §4
// lists, each as an attack; nothing readable reaches Redis, the logs or the relay's memory.
#include <sys/types.h>

#include <csignal>
#include <iostream>
#include <map>
#include <fstream>
#include <regex>
#include <sstream>

#include "api_https_client.hpp"
#include "bw/redis/connection.hpp"
#include "relay_system_support.hpp"
#include "tls_probe.hpp"

namespace bw::testing {
namespace {

using namespace std::chrono_literals;

// Waits for the first frame `match` accepts, skipping others (pings, presence…).
template <class Stream, class Match>
std::optional<rv1::RelayFrame> await(Stream& s, Match match, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto f = s.receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!f) {
      if (s.closed()) return std::nullopt;
      continue;
    }
    if (match(*f)) return f;
    if (f->has_error() || f->has_go_away()) std::cerr << "(await skipped " << f->ShortDebugString() << ")\n";
  }
  return std::nullopt;
}

auto is_error(rv1::Error::Code code) {
  return [code](const rv1::RelayFrame& f) { return f.has_error() && f.error().code() == code; };
}
auto is_delivery = [](const rv1::RelayFrame& f) { return f.has_delivery(); };
auto is_goaway(rv1::GoAway::Reason r) {
  return [r](const rv1::RelayFrame& f) { return f.has_go_away() && f.go_away().reason() == r; };
}

rv1::AgentFrame agent_envelope(const rv1::Envelope& e) {
  rv1::AgentFrame f;
  *f.mutable_envelope() = e;
  return f;
}
rv1::ClientFrame client_envelope(const rv1::Envelope& e) {
  rv1::ClientFrame f;
  *f.mutable_envelope() = e;
  return f;
}
rv1::AgentFrame agent_ack(const rv1::MailboxOffset& o) {
  rv1::AgentFrame f;
  *f.mutable_ack()->mutable_up_to() = o;
  return f;
}
rv1::ClientFrame client_ack(const rv1::MailboxOffset& o) {
  rv1::ClientFrame f;
  *f.mutable_ack()->mutable_up_to() = o;
  return f;
}

// Both ends of pairing P1 with real e2e state (an rk both sides share, as after pairing).
struct E2ePair {
  E2ePair(const RelaySeed& s) : pairing(eid(s.pairing_p1)), agent(eid(s.agent_a1)), client(eid(s.client_c1)) {
    const auto rk = crypto::random_secret(32);
    EXPECT_TRUE(e2e::initialize_pairing(*agent_store, pairing, true, rk));
    EXPECT_TRUE(e2e::initialize_pairing(*client_store, pairing, false, rk));
  }
  e2e::Id pairing, agent, client;
  std::unique_ptr<e2e::StateStore> agent_store = e2e::make_memory_state_store();
  std::unique_ptr<e2e::StateStore> client_store = e2e::make_memory_state_store();
};

// What one receiver makes of deliveries: decrypted bodies, each once, in order.
struct Receiver {
  Receiver(e2e::StateStore& s, e2e::Id p, e2e::Direction d) : store(s), pairing(p), direction(d) {}
  // Opens a delivery; duplicates (already accepted) are dropped silently, as endpoints must.
  void take(const rv1::Delivery& d) {
    auto env = relayclient::from_wire(d.envelope());
    ASSERT_TRUE(env) << env.error().message;
    auto opened = e2e::receive(store, *env, pairing, direction);
    if (!opened && opened.error().code == static_cast<int>(e2e::Errc::kReplay)) {
      ++duplicates;
      return;
    }
    ASSERT_TRUE(opened) << opened.error().message;
    ASSERT_TRUE(e2e::commit(store, pairing, direction, opened->next));
    bodies.push_back(to_string(opened->message.body));
    last = d.offset();
  }
  e2e::StateStore& store;
  e2e::Id pairing;
  e2e::Direction direction;
  std::vector<std::string> bodies;
  int duplicates = 0;
  rv1::MailboxOffset last;
};

class RelaySystem : public RelaySystemFixture {
 protected:
  static void SetUpTestSuite() { RelaySystemFixture::SetUpTestSuite(); }
  static void TearDownTestSuite() { RelaySystemFixture::TearDownTestSuite(); }

  std::unique_ptr<relayclient::AgentStream> agent(std::size_t pod, const std::string& token) {
    auto s = connect_agent(pods_[pod], token);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(s.value()) : nullptr;
  }
  std::unique_ptr<relayclient::ClientStream> client(std::size_t pod, const Id& tenant, const Id& user, const Id& device) {
    auto s = connect_client(pods_[pod], access_token(tenant, user), device);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(s.value()) : nullptr;
  }
  // Reads every delivery on the agent's stream into r until `count` bodies or the timeout,
  // acknowledging as it goes.
  static void drain_agent(relayclient::AgentStream& a, Receiver& r, std::size_t count, std::chrono::milliseconds t = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + t;
    while (r.bodies.size() < count && std::chrono::steady_clock::now() < deadline) {
      auto f = a.receive(200ms);
      if (!f || !f->has_delivery()) continue;
      r.take(f->delivery());
      a.send(agent_ack(f->delivery().offset()));
    }
  }
  static void drain_client(relayclient::ClientStream& c, Receiver& r, std::size_t count, std::chrono::milliseconds t = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + t;
    while (r.bodies.size() < count && std::chrono::steady_clock::now() < deadline) {
      auto f = c.receive(200ms);
      if (!f || !f->has_delivery()) continue;
      r.take(f->delivery());
      c.send(client_ack(f->delivery().offset()));
    }
  }
  // A new client device of alice's, paired with agent A2 right now (straight in auth's store,
  // as a claim would); the relay has not seen it yet.
  std::optional<Id> claim_for_a2(const std::string& name) {
    auto opened = auth::store::open_store({.database_url = "", .sqlite_path = (dir_->path() / "auth.db").string()}, now_ms());
    EXPECT_TRUE(opened);
    if (!opened) return std::nullopt;
    auto& s = **opened;
    auth::store::Device d{seed_.tenant_a, random_store_id(), seed_.alice, auth::store::DeviceKind::kClient, name,
                          crypto::random(32), now_ms()};
    const auto code = crypto::random(32);
    auth::store::PairingOffer offer{seed_.tenant_a, random_store_id(), seed_.agent_a2, auth::store::Role::kMember, code,
                                    now_ms(), now_ms() + 300'000, 3};
    if (!s.create_device(d) || !s.create_pairing_offer(offer) ||
        !s.claim_pairing_offer(seed_.tenant_a, offer.id, {d.id, seed_.alice, d.public_key, code}, now_ms())) {
      ADD_FAILURE() << "could not pair a new device with A2";
      return std::nullopt;
    }
    return d.id;
  }
  // A relay metric's value on one pod (0 when absent).
  static double pod_metric(const RelayPod& pod, const std::string& name) {
    const auto body = https_get(pod.service->ops_port, ca_file(), "/metrics").body;
    const auto at = body.find("\n" + name + " ");
    return at == std::string::npos ? 0 : std::strtod(body.c_str() + at + name.size() + 2, nullptr);
  }
  // Drains whatever is queued for a device (a previous test's leftovers) by acknowledging it.
  static void flush(relayclient::AgentStream& a) {
    while (auto f = await(a, is_delivery, 300ms)) a.send(agent_ack(f->delivery().offset()));
  }
  static void flush(relayclient::ClientStream& c) {
    while (auto f = await(c, is_delivery, 300ms)) c.send(client_ack(f->delivery().offset()));
  }
};

TEST_F(RelaySystem, MessagesFlowBothWaysAcrossPodsDecryptedAndInOrder) {
  E2ePair p(seed_);
  auto a = agent(0, seed_.token_a1);
  auto c = client(1, seed_.tenant_a, seed_.alice, seed_.client_c1);
  ASSERT_TRUE(a && c);
  EXPECT_EQ(a->welcome().device(), raw(seed_.agent_a1));
  EXPECT_EQ(c->welcome().device(), raw(seed_.client_c1));
  flush(*a);
  flush(*c);
  auto to_agent = e2e::Sender::open(*p.client_store, p.pairing, e2e::Direction::kClientToAgent, p.client, p.agent);
  auto to_client = e2e::Sender::open(*p.agent_store, p.pairing, e2e::Direction::kAgentToClient, p.agent, p.client);
  ASSERT_TRUE(to_agent && to_client);
  constexpr int kCount = 20;
  for (int i = 0; i < kCount; ++i) {
    auto e = to_agent->seal(e2e::Kind::kPrompt, as_bytes("prompt " + std::to_string(i)), now_ms());
    ASSERT_TRUE(e);
    ASSERT_TRUE(c->send(client_envelope(relayclient::to_wire(*e))));
    auto o = to_client->seal(e2e::Kind::kOutput, as_bytes("output " + std::to_string(i)), now_ms());
    ASSERT_TRUE(o);
    ASSERT_TRUE(a->send(agent_envelope(relayclient::to_wire(*o))));
  }
  Receiver at_agent(*p.agent_store, p.pairing, e2e::Direction::kClientToAgent);
  Receiver at_client(*p.client_store, p.pairing, e2e::Direction::kAgentToClient);
  drain_agent(*a, at_agent, kCount);
  drain_client(*c, at_client, kCount);
  ASSERT_EQ(at_agent.bodies.size(), static_cast<std::size_t>(kCount));
  ASSERT_EQ(at_client.bodies.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(at_agent.bodies[i], "prompt " + std::to_string(i));
    EXPECT_EQ(at_client.bodies[i], "output " + std::to_string(i));
  }
}

// Deliveries come two ways: straight from the notification when nothing can lie between the
// new entry and the last delivery, else by reading the mailbox. A burst past the window of
// unacknowledged deliveries, with envelopes too large for their notification in it, needs
// both; it must arrive whole, in order, once.
TEST_F(RelaySystem, ABurstPastTheWindowArrivesWholeInOrderAndOnce) {
  // A client device of its own (claimed now), so the burst has a whole quota to itself.
  const auto d = claim_for_a2("burst");
  ASSERT_TRUE(d);
  auto a2 = agent(0, seed_.token_a2);
  auto c = client(1, seed_.tenant_a, seed_.alice, *d);
  ASSERT_TRUE(a2 && c);
  flush(*a2);
  const double inline_before = pod_metric(pods_[0], "breakwater_relay_inline_deliveries_total");
  const double all_before = pod_metric(pods_[0], "breakwater_relay_deliveries_total");
  // Alone on an idle connection whose mailbox is empty, an envelope travels with its
  // notification.
  const auto first = envelope(*d, seed_.agent_a2, rv1::KIND_PROMPT);
  ASSERT_TRUE(c->send(client_envelope(first)));
  auto alone = await(*a2, is_delivery);
  ASSERT_TRUE(alone);
  EXPECT_EQ(alone->delivery().envelope().nonce(), first.nonce());
  a2->send(agent_ack(alone->delivery().offset()));
  EXPECT_EQ(pod_metric(pods_[0], "breakwater_relay_inline_deliveries_total") - inline_before, 1.0);
  constexpr std::size_t kCount = 90;  // the window (relay.max_unacked) is 64; the device quota's burst 100
  std::vector<std::string> sent;
  for (std::size_t i = 0; i < kCount; ++i) {
    // Every 30th is too large to travel with its notification: the small ones right behind
    // it must wait for the mailbox read that finds it.
    const auto e = envelope(*d, seed_.agent_a2, rv1::KIND_PROMPT, i % 30 == 0 ? 20'000 : 272);
    sent.push_back(e.nonce());
    ASSERT_TRUE(c->send(client_envelope(e)));
  }
  // Without acknowledgements the relay stops at the window.
  std::vector<rv1::Delivery> got;
  while (auto f = await(*a2, is_delivery, 1s)) got.push_back(f->delivery());
  EXPECT_EQ(got.size(), 64u) << "deliveries beyond the unacknowledged window";
  ASSERT_FALSE(got.empty());
  a2->send(agent_ack(got.back().offset()));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (got.size() < kCount && std::chrono::steady_clock::now() < deadline) {
    auto f = await(*a2, is_delivery, 1s);
    if (!f) continue;
    got.push_back(f->delivery());
    a2->send(agent_ack(f->delivery().offset()));
  }
  EXPECT_FALSE(await(*a2, is_delivery, 300ms)) << "nothing more";
  ASSERT_EQ(got.size(), kCount);
  for (std::size_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(got[i].envelope().nonce(), sent[i]) << "delivery " << i << ": in order, none lost, none twice";
  }
  const double inline_n = pod_metric(pods_[0], "breakwater_relay_inline_deliveries_total") - inline_before;
  const double all_n = pod_metric(pods_[0], "breakwater_relay_deliveries_total") - all_before;
  EXPECT_EQ(all_n, static_cast<double>(kCount + 1));
  EXPECT_LE(inline_n, static_cast<double>(kCount + 1 - 26 - 3)) << "past the window and the large ones: read";
}

TEST_F(RelaySystem, ClientsSeeTheirAgentsPresence) {
  auto c = client(1, seed_.tenant_a, seed_.alice, seed_.client_c1);
  ASSERT_TRUE(c);
  auto a = agent(0, seed_.token_a1);
  ASSERT_TRUE(a);
  auto online = await(*c, [&](const rv1::RelayFrame& f) {
    return f.has_presence() && f.presence().device() == raw(seed_.agent_a1) && f.presence().state() == rv1::Presence::ONLINE;
  });
  EXPECT_TRUE(online) << "the client hears that its agent came online";
  a->close();
  auto offline = await(*c, [&](const rv1::RelayFrame& f) {
    return f.has_presence() && f.presence().device() == raw(seed_.agent_a1) && f.presence().state() == rv1::Presence::OFFLINE;
  });
  EXPECT_TRUE(offline) << "and that it went away";
}

TEST_F(RelaySystem, ReplayedEnvelopeIsRefusedAndDeliveredOnce) {
  auto a = agent(0, seed_.token_a1);
  auto c = client(1, seed_.tenant_a, seed_.alice, seed_.client_c1);
  ASSERT_TRUE(a && c);
  flush(*a);
  const auto e = envelope(seed_.client_c1, seed_.agent_a1, rv1::KIND_PROMPT);
  ASSERT_TRUE(c->send(client_envelope(e)));
  ASSERT_TRUE(c->send(client_envelope(e)));
  auto err = await(*c, is_error(rv1::Error::REPLAYED_NONCE));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->error().envelope().nonce(), e.nonce()) << "the error names the envelope";
  EXPECT_EQ(err->error().envelope().recipient(), e.recipient());
  auto first = await(*a, is_delivery);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->delivery().envelope().nonce(), e.nonce());
  a->send(agent_ack(first->delivery().offset()));
  EXPECT_FALSE(await(*a, is_delivery, 700ms)) << "the replay never reached the agent";
}

TEST_F(RelaySystem, StaleAndFutureTimestampsAreRefused) {
  auto c = client(1, seed_.tenant_a, seed_.alice, seed_.client_c1);
  ASSERT_TRUE(c);
  for (std::int64_t shift : {-10 * 60'000, 10 * 60'000}) {
    auto e = envelope(seed_.client_c1, seed_.agent_a1, rv1::KIND_PROMPT);
    e.set_sent_at_ms(static_cast<std::uint64_t>(now_ms() + shift));
    ASSERT_TRUE(c->send(client_envelope(e)));
    auto err = await(*c, is_error(rv1::Error::CLOCK_SKEW));
    ASSERT_TRUE(err) << shift;
    EXPECT_EQ(err->error().envelope().nonce(), e.nonce());
  }
}

TEST_F(RelaySystem, ForgedSenderIsRefused) {
  auto c = client(1, seed_.tenant_a, seed_.alice, seed_.client_c1);
  ASSERT_TRUE(c);
  for (const auto& forged : {seed_.agent_a1, seed_.client_cv, seed_.client_cb}) {
    auto e = envelope(forged, seed_.agent_a1, rv1::KIND_PROMPT);
    ASSERT_TRUE(c->send(client_envelope(e)));
    EXPECT_TRUE(await(*c, is_error(rv1::Error::SENDER_MISMATCH)));
  }
}

TEST_F(RelaySystem, UnpairedAndOtherTenantRecipientsAreNeverRouted) {
  auto c = client(1, seed_.tenant_a, seed_.alice, seed_.client_c1);
  auto a2 = agent(0, seed_.token_a2);
  auto b1 = agent(0, seed_.token_b1);
  ASSERT_TRUE(c && a2 && b1);
  flush(*a2);
  flush(*b1);
  for (const auto& to : {seed_.agent_a2, seed_.agent_b1, seed_.client_cb, seed_.client_c2}) {
    auto e = envelope(seed_.client_c1, to, rv1::KIND_PROMPT);
    ASSERT_TRUE(c->send(client_envelope(e)));
    auto err = await(*c, is_error(rv1::Error::NOT_PAIRED));
    ASSERT_TRUE(err);
    EXPECT_EQ(err->error().envelope().recipient(), raw(to));
  }
  EXPECT_FALSE(await(*a2, is_delivery, 700ms)) << "an unpaired agent of the same tenant got nothing";
  EXPECT_FALSE(await(*b1, is_delivery, 300ms)) << "another tenant's agent got nothing";
}

TEST_F(RelaySystem, AnEnvelopeToAPairingClaimedAMomentAgoIsRouted) {
  // The agent's connection has just refetched its pairings (an envelope to a stranger made
  // it); a pairing claimed right after must still carry the agent's next envelope, as the
  // pairing handshake's proof does (it once got NOT_PAIRED within 2 s of a refetch).
  auto a2 = agent(0, seed_.token_a2);
  ASSERT_TRUE(a2);
  ASSERT_TRUE(a2->send(agent_envelope(envelope(seed_.agent_a2, seed_.client_cb, rv1::KIND_OUTPUT))));
  ASSERT_TRUE(await(*a2, is_error(rv1::Error::NOT_PAIRED)));
  const auto d = claim_for_a2("fresh");
  ASSERT_TRUE(d);
  const auto e = envelope(seed_.agent_a2, *d, rv1::KIND_OUTPUT);
  ASSERT_TRUE(a2->send(agent_envelope(e)));
  EXPECT_FALSE(await(*a2, is_error(rv1::Error::NOT_PAIRED), 3s)) << "waited for the refetch instead of refusing";
  auto c = client(1, seed_.tenant_a, seed_.alice, *d);
  ASSERT_TRUE(c);
  auto got = await(*c, is_delivery);
  ASSERT_TRUE(got) << "the envelope reached the newly paired client";
  EXPECT_EQ(got->delivery().envelope().nonce(), e.nonce());
}

TEST_F(RelaySystem, AnEnvelopeSentJustBeforeTheSenderLeavesIsStillRouted) {
  // As `breakwater-agent pair` does: its proof to a device paired a moment ago, then it
  // exits. The envelope waits for the pairing refetch; the sender leaving must not drop it.
  auto a2 = agent(0, seed_.token_a2);
  ASSERT_TRUE(a2);
  ASSERT_TRUE(a2->send(agent_envelope(envelope(seed_.agent_a2, seed_.client_cb, rv1::KIND_OUTPUT))));
  ASSERT_TRUE(await(*a2, is_error(rv1::Error::NOT_PAIRED)));  // a refetch just happened
  const auto d = claim_for_a2("leaving");
  ASSERT_TRUE(d);
  const auto e = envelope(seed_.agent_a2, *d, rv1::KIND_OUTPUT);
  ASSERT_TRUE(a2->send(agent_envelope(e)));
  a2->close();
  auto c = client(1, seed_.tenant_a, seed_.alice, *d);
  ASSERT_TRUE(c);
  auto got = await(*c, is_delivery, 10s);
  ASSERT_TRUE(got) << "routed although its sender left";
  EXPECT_EQ(got->delivery().envelope().nonce(), e.nonce());
}

TEST_F(RelaySystem, AViewerCannotSendPromptsApprovalsOrControl) {
  auto v = client(1, seed_.tenant_a, seed_.vera, seed_.client_cv);
  ASSERT_TRUE(v);
  for (auto kind : {rv1::KIND_PROMPT, rv1::KIND_APPROVAL_ANSWER, rv1::KIND_CONTROL}) {
    ASSERT_TRUE(v->send(client_envelope(envelope(seed_.client_cv, seed_.agent_a1, kind))));
    EXPECT_TRUE(await(*v, is_error(rv1::Error::ROLE_FORBIDS_KIND))) << kind;
  }
  // An acknowledgement is fine for a viewer.
  auto ack = envelope(seed_.client_cv, seed_.agent_a1, rv1::KIND_ACK);
  ASSERT_TRUE(v->send(client_envelope(ack)));
  EXPECT_FALSE(await(*v, [](const rv1::RelayFrame& f) { return f.has_error(); }, 700ms));
}

TEST_F(RelaySystem, KindsTravelOnlyTheirDirection) {
  auto a = agent(0, seed_.token_a1);
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->send(agent_envelope(envelope(seed_.agent_a1, seed_.client_c1, rv1::KIND_PROMPT))));
  EXPECT_TRUE(await(*a, is_error(rv1::Error::ROLE_FORBIDS_KIND)));
}

TEST_F(RelaySystem, OversizedAndMalformedFramesGetTypedErrors) {
  auto c = client(1, seed_.tenant_a, seed_.alice, seed_.client_c1);
  ASSERT_TRUE(c);
  // Over the relay's envelope limit (64 KiB here) but within the WebSocket message limit:
  // refused by the size rule (checked before direction: an OUTPUT from a client).
  ASSERT_TRUE(c->send(client_envelope(envelope(seed_.client_c1, seed_.agent_a1, rv1::KIND_OUTPUT, 65'600))));
  EXPECT_TRUE(await(*c, is_error(rv1::Error::TOO_LARGE)));
  ASSERT_TRUE(c->send_raw(std::string("\x12\xff\xff\xff\x0f garbage", 14)));
  EXPECT_TRUE(await(*c, is_error(rv1::Error::MALFORMED)));
  auto bad = envelope(seed_.client_c1, seed_.agent_a1, rv1::KIND_PROMPT);
  bad.set_nonce("short");
  ASSERT_TRUE(c->send(client_envelope(bad)));
  EXPECT_TRUE(await(*c, is_error(rv1::Error::MALFORMED)));
  auto v2 = envelope(seed_.client_c1, seed_.agent_a1, rv1::KIND_PROMPT);
  v2.set_version(2);
  ASSERT_TRUE(c->send(client_envelope(v2)));
  EXPECT_TRUE(await(*c, is_error(rv1::Error::BAD_VERSION)));
  // The connection survived all of it.
  rv1::ClientFrame ping;
  ping.mutable_ping()->set_id(77);
  ASSERT_TRUE(c->send(ping));
  EXPECT_TRUE(await(*c, [](const rv1::RelayFrame& f) { return f.has_pong() && f.pong().id() == 77; }));
  // A WebSocket message over the limit is never buffered: the relay closes the socket with
  // 1009 as soon as the frame header announces the size (the client may still be writing
  // then, and see the connection end without the close frame: 1006).
  (void)c->send_raw(std::string(200'000, 'x'));
  EXPECT_FALSE(await(*c, [](const rv1::RelayFrame&) { return false; }, 3s));
  EXPECT_TRUE(c->closed());
  EXPECT_TRUE(c->close_code() == 1009 || c->close_code() == 1006) << c->close_code();
}

TEST_F(RelaySystem, ForgedExpiredAndRevokedCredentialsAreUnauthenticated) {
  const Bytes other_seed = crypto::random(32);
  const std::vector<std::pair<std::string, std::string>> tokens = {
      {"signed by another key", access_token(seed_.tenant_a, seed_.alice, 0, 240, &other_seed)},
      {"expired", access_token(seed_.tenant_a, seed_.alice, 0, 240, nullptr, 600)},
      {"garbage", "not-a-token"},
      {"someone else's device", access_token(seed_.tenant_a, seed_.vera)},
  };
  for (const auto& [what, token] : tokens) {
    auto s = connect_client(pods_[0], token, seed_.client_c1);
    ASSERT_FALSE(s) << what;
    EXPECT_EQ(s.error().code, relayclient::kRefused) << what << ": " << s.error().message;
    EXPECT_NE(s.error().message.find("UNAUTHENTICATED"), std::string::npos) << what << ": " << s.error().message;
  }
  // A user paired with an agent cannot speak for the agent's device over the WebSocket
  // (it would take over the agent's mailbox): only the client side of a pairing connects.
  for (const auto& [user, agent_device] : {std::pair{seed_.vera, seed_.agent_a1}, std::pair{seed_.alice, seed_.agent_a1}}) {
    auto as_agent = connect_client(pods_[0], access_token(seed_.tenant_a, user), agent_device);
    ASSERT_FALSE(as_agent) << "an agent's device id is not a client device";
    EXPECT_NE(as_agent.error().message.find("UNAUTHENTICATED"), std::string::npos) << as_agent.error().message;
  }
  auto bad_agent = connect_agent(pods_[0], authcore::generate_token(authcore::TokenKind::kDevice));
  ASSERT_FALSE(bad_agent);
  EXPECT_NE(bad_agent.error().message.find("UNAUTHENTICATED"), std::string::npos) << bad_agent.error().message;
}

TEST_F(RelaySystem, WebSocketRefusesBadOriginsAndTokensInTheUrl) {
  relayclient::ClientStreamOptions o;
  o.url = ws_url(pods_[0]);
  o.ca_file = ca_file();
  o.origin = "https://evil.example";
  rv1::ClientHello h;
  h.set_access_token(access_token(seed_.tenant_a, seed_.alice));
  h.set_device(raw(seed_.client_c1));
  h.set_protocol_version(1);
  auto evil = relayclient::ClientStream::open(o, h);
  ASSERT_FALSE(evil);
  EXPECT_NE(evil.error().message.find("403"), std::string::npos) << evil.error().message;
  o.origin = "https://app.breakwater.test";
  auto good = relayclient::ClientStream::open(o, h);
  EXPECT_TRUE(good) << "the allowed origin passes: " << (good ? "" : good.error().message);
  o.origin.reset();
  o.url = ws_url(pods_[0]) + "?token=" + h.access_token();
  auto in_url = relayclient::ClientStream::open(o, h);
  ASSERT_FALSE(in_url) << "a token in the URL is refused";
}

TEST_F(RelaySystem, AFloodIsRateLimitedWhileOthersAreUnaffected) {
  // A pod of its own whose per-connection bound on envelopes in flight (test below) is above
  // the flood: 600 envelopes sent at once arrive faster than the first quota lease, and this
  // test is about the quota.
  auto pod = start_pod({"BREAKWATER_RELAY_MAX_PENDING=1024"});
  ASSERT_TRUE(pod.service);
  auto opened = connect_client(pod, access_token(seed_.tenant_a, seed_.alice), seed_.client_c2);
  ASSERT_TRUE(opened) << opened.error().message;
  auto flooder = std::move(opened.value());
  std::map<int, int> codes;  // error code → count
  auto count = [&](const rv1::RelayFrame& f) {
    if (!f.has_error()) return false;
    ++codes[f.error().code()];
    if (f.error().code() == rv1::Error::RATE_LIMITED) {
      EXPECT_GT(f.error().retry_after_ms(), 0u);
    }
    return true;
  };
  for (int i = 0; i < 600; ++i) {
    ASSERT_TRUE(flooder->send(client_envelope(envelope(seed_.client_c2, seed_.agent_a2, rv1::KIND_ACK))));
    if (i % 50 == 49) {
      while (auto f = flooder->receive(5ms)) count(*f);
    }
  }
  // Until no error came for a while (pings keep arriving meanwhile).
  for (auto last = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() - last < 1500ms;) {
    if (auto f = flooder->receive(100ms); f && count(*f)) last = std::chrono::steady_clock::now();
  }
  const int limited = codes[rv1::Error::RATE_LIMITED];
  std::string seen;
  for (const auto& [code, n] : codes) seen += std::to_string(code) + ":" + std::to_string(n) + " ";
  EXPECT_EQ(codes.size(), 1u) << "only RATE_LIMITED: " << seen;
  // GCRA: a burst of 100 plus one a second (and at most one outstanding lease) get through.
  EXPECT_GE(limited, 300) << seen;
  // Another device of the same tenant, and another tenant, are not slowed by the flood.
  auto c = client(0, seed_.tenant_a, seed_.alice, seed_.client_c1);
  auto cb = client(0, seed_.tenant_b, seed_.bob, seed_.client_cb);
  ASSERT_TRUE(c && cb);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c->send(client_envelope(envelope(seed_.client_c1, seed_.agent_a1, rv1::KIND_ACK))));
    ASSERT_TRUE(cb->send(client_envelope(envelope(seed_.client_cb, seed_.agent_b1, rv1::KIND_ACK))));
  }
  auto any_error = [](const rv1::RelayFrame& f) { return f.has_error(); };
  EXPECT_FALSE(await(*c, any_error, 1s));
  EXPECT_FALSE(await(*cb, any_error, 300ms));
}

// Envelopes a connection has in flight (at the appenders or waiting for a pairing) are
// bounded: past relay.max_pending the relay answers a terminal RATE_LIMITED and closes the
// connection, instead of holding a burst without limit.
TEST_F(RelaySystem, ABurstBeyondTheInFlightBoundClosesTheConnection) {
  auto pod = start_pod({"BREAKWATER_RELAY_MAX_PENDING=8"});
  ASSERT_TRUE(pod.service);
  auto opened = connect_client(pod, access_token(seed_.tenant_a, seed_.alice), seed_.client_c2);
  ASSERT_TRUE(opened) << opened.error().message;
  auto& burst = *opened.value();
  // Sent at once: they arrive long before the first quota lease does.
  for (int i = 0; i < 2000 && !burst.closed(); ++i) {
    burst.send(client_envelope(envelope(seed_.client_c2, seed_.agent_a2, rv1::KIND_ACK)));
  }
  auto terminal = [](const rv1::RelayFrame& f) { return f.has_error() && f.error().terminal(); };
  const auto f = await(burst, terminal, 5s);
  ASSERT_TRUE(f) << "no terminal error";
  EXPECT_EQ(f->error().code(), rv1::Error::RATE_LIMITED);
  EXPECT_NE(f->error().message().find("in flight"), std::string::npos) << f->error().message();
  EXPECT_GT(f->error().retry_after_ms(), 0u);
  for (auto until = std::chrono::steady_clock::now() + 5s; !burst.closed() && std::chrono::steady_clock::now() < until;) {
    burst.receive(100ms);
  }
  EXPECT_TRUE(burst.closed());
}

TEST_F(RelaySystem, ANewConnectionOfTheSameDeviceSupersedesTheOld) {
  auto first = agent(0, seed_.token_a1);
  ASSERT_TRUE(first);
  auto second = agent(1, seed_.token_a1);
  ASSERT_TRUE(second);
  EXPECT_TRUE(await(*first, is_goaway(rv1::GoAway::SUPERSEDED)));
}

TEST_F(RelaySystem, RevokingAPairingEndsTheClientsConnection) {
  // A throw-away pairing of A2 with a fresh client device, so other tests keep theirs.
  auto opened = auth::store::open_store({.database_url = "", .sqlite_path = (dir_->path() / "auth.db").string()}, now_ms());
  ASSERT_TRUE(opened);
  auto& s = **opened;
  auth::store::Device d{seed_.tenant_a, random_store_id(), seed_.alice, auth::store::DeviceKind::kClient, "t",
                        crypto::random(32), now_ms()};
  ASSERT_TRUE(s.create_device(d));
  const auto code = crypto::random(32);
  auth::store::PairingOffer offer{seed_.tenant_a, random_store_id(), seed_.agent_a2, auth::store::Role::kMember, code,
                                  now_ms(), now_ms() + 300'000, 3};
  ASSERT_TRUE(s.create_pairing_offer(offer));
  ASSERT_TRUE(s.claim_pairing_offer(seed_.tenant_a, offer.id, {d.id, seed_.alice, d.public_key, code}, now_ms()));
  auto c = client(0, seed_.tenant_a, seed_.alice, d.id);
  ASSERT_TRUE(c);
  const auto r = api_call(port_, ca_file(), "DELETE", "/v1/pairings/" + crypto::hex_encode(ByteView(offer.id)), "",
                          {{"authorization", "Bearer " + seed_.token_a2}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(await(*c, is_goaway(rv1::GoAway::DEVICE_REVOKED), 5s)) << "re-checked on the live connection";
  auto again = connect_client(pods_[1], access_token(seed_.tenant_a, seed_.alice), d.id);
  EXPECT_FALSE(again) << "and refused when it comes back";
}

// Reads the relay process's writable memory and reports whether `marker` is in it.
bool process_memory_contains(pid_t pid, const std::string& marker) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::ifstream mem("/proc/" + std::to_string(pid) + "/mem", std::ios::binary);
  if (!maps || !mem) return false;
  std::string line;
  std::string buf;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    if (perms.size() < 2 || perms[0] != 'r' || perms[1] != 'w') continue;
    const auto dash = range.find('-');
    const auto lo = std::stoull(range.substr(0, dash), nullptr, 16);
    const auto hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (hi - lo > (1ULL << 31)) continue;  // ASan's shadow, not data
    for (auto at = lo; at < hi; at += 1 << 20) {
      const auto len = std::min<unsigned long long>(hi - at, (1 << 20) + marker.size());
      buf.resize(len);
      mem.clear();
      mem.seekg(static_cast<std::streamoff>(at));
      if (!mem.read(buf.data(), static_cast<std::streamsize>(len))) continue;
      if (buf.find(marker) != std::string::npos) return true;
    }
  }
  return false;
}

TEST_F(RelaySystem, TheRelayCannotReadPlaintext) {
  E2ePair p(seed_);
  auto a = agent(0, seed_.token_a1);
  auto c = client(1, seed_.tenant_a, seed_.alice, seed_.client_c1);
  ASSERT_TRUE(a && c);
  flush(*a);
  const std::string marker = "MARKER-" + crypto::hex_encode(crypto::random(12));
  auto s = e2e::Sender::open(*p.client_store, p.pairing, e2e::Direction::kClientToAgent, p.client, p.agent);
  ASSERT_TRUE(s);
  for (int i = 0; i < 10; ++i) {
    auto e = s->seal(e2e::Kind::kPrompt, as_bytes(marker + " secret prompt " + std::to_string(i)), now_ms());
    ASSERT_TRUE(e);
    ASSERT_TRUE(c->send(client_envelope(relayclient::to_wire(*e))));
  }
  Receiver r(*p.agent_store, p.pairing, e2e::Direction::kClientToAgent);
  // Leave them unacknowledged in the mailbox for the Redis scan, then read them.
  std::vector<rv1::Delivery> got;
  while (got.size() < 10) {
    auto f = await(*a, is_delivery);
    ASSERT_TRUE(f);
    got.push_back(f->delivery());
  }
  for (const auto& d : got) r.take(d);
  ASSERT_EQ(r.bodies.size(), 10u);
  EXPECT_NE(r.bodies[3].find(marker), std::string::npos) << "the agent reads it";
  // Redis: every key's serialized value.
  redis::Connection conn({.host = "127.0.0.1", .port = redis().port(), .password = redis().password()});
  auto keys = conn.command({std::string("KEYS"), std::string("*")});
  ASSERT_TRUE(keys);
  std::size_t scanned = 0;
  for (const auto& k : keys->as_array()) {
    auto dump = conn.command({std::string("DUMP"), k.as_string()});
    ASSERT_TRUE(dump);
    if (dump->is_string()) {
      EXPECT_EQ(dump->as_string().find(marker), std::string::npos) << k.as_string();
    }
    ++scanned;
  }
  EXPECT_GT(scanned, 0u);
  // Logs and memory of both pods.
  for (auto& pod : pods_) {
    EXPECT_EQ(pod.service->process.output().find(marker), std::string::npos);
    EXPECT_FALSE(process_memory_contains(pod.service->process.pid(), marker));
  }
  // The scan would have found it: the marker is in this process's memory.
  EXPECT_TRUE(process_memory_contains(::getpid(), marker)) << "the memory scan works";
  for (const auto& d : got) a->send(agent_ack(d.offset()));
}

// Last in the file: kills and restarts pod 0.
TEST_F(RelaySystem, ZPodKilledMidStreamNothingAcknowledgedIsLostNoDuplicates) {
  E2ePair p(seed_);
  auto a = agent(0, seed_.token_a1);
  auto c = client(1, seed_.tenant_a, seed_.alice, seed_.client_c1);
  ASSERT_TRUE(a && c);
  flush(*a);
  auto s = e2e::Sender::open(*p.client_store, p.pairing, e2e::Direction::kClientToAgent, p.client, p.agent);
  ASSERT_TRUE(s);
  auto send = [&](int i) {
    auto e = s->seal(e2e::Kind::kPrompt, as_bytes("m" + std::to_string(i)), now_ms());
    ASSERT_TRUE(e);
    ASSERT_TRUE(c->send(client_envelope(relayclient::to_wire(*e))));
  };
  Receiver r(*p.agent_store, p.pairing, e2e::Direction::kClientToAgent);
  for (int i = 0; i < 10; ++i) send(i);
  drain_agent(*a, r, 5);
  ASSERT_EQ(r.bodies.size(), 5u);
  // Pod 0 dies with the agent's stream; messages keep coming meanwhile.
  pods_[0].service->process.terminate(SIGKILL, 5s);
  for (int i = 10; i < 15; ++i) send(i);
  const auto died = std::chrono::steady_clock::now();
  std::unique_ptr<relayclient::AgentStream> again;
  while (!again && std::chrono::steady_clock::now() - died < 2s) {
    auto st = connect_agent(pods_[1], seed_.token_a1, r.last);
    if (st) again = std::move(st.value());
  }
  ASSERT_TRUE(again) << "reconnected to the other pod within 2 s";
  drain_agent(*again, r, 15);
  ASSERT_EQ(r.bodies.size(), 15u);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(r.bodies[i], "m" + std::to_string(i)) << "nothing lost, in order";
  auto restarted = start_pod();
  ASSERT_TRUE(restarted.service);
  pods_[0] = std::move(restarted);
}

TEST_F(RelaySystem, ZZDrainingSendsGoAwayThenCloses) {
  auto pod = start_pod();
  ASSERT_TRUE(pod.service);
  auto s = connect_agent(pod, seed_.token_b1);
  ASSERT_TRUE(s) << s.error().message;
  auto c = connect_client(pod, access_token(seed_.tenant_b, seed_.bob), seed_.client_cb);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(pod.service->process.signal_group(SIGTERM));
  EXPECT_TRUE(await(**s, is_goaway(rv1::GoAway::DRAINING)));
  EXPECT_TRUE(await(**c, is_goaway(rv1::GoAway::DRAINING)));
  auto status = pod.service->process.wait_exit(10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited() && status->code == 0) << status->describe();
}

}  // namespace
}  // namespace bw::testing
