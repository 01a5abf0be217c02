// The agent and the terminal client through the real relay (issue 5, Deliver 3 and 4):
// breakwater-auth + ratelimit + Redis + two breakwater-relay pods (relay_system_support.hpp).
// The real `breakwater-agent login` / `breakwater login`, then pairing done by the two
// binaries with the proofs travelling as relay envelopes (no test folder), then
// `breakwater-agent run --echo` on pod A and `breakwater send` / `listen` on pod B: the
// prompt arrives, the echo comes back; the agent logs kind/pairing/seq but never content.
#include "agent_relay_fixture.hpp"

namespace bw::testing {
namespace {


TEST_F(AgentRelaySystem, PairThroughTheRelayThenPromptAndEchoAcrossPods) {
  login_both();
  if (HasFatalFailure()) return;
  const std::string agent_device = pair_through_relay("member");
  ASSERT_EQ(agent_device.size(), 32u);
  if (HasFatalFailure()) return;

  auto run = shell("breakwater-agent", "run --echo", "< /dev/null", "agent-run");
  ASSERT_TRUE(run.wait_for_output("relay connected", 30s)) << run.output();
  // One sending context per pairing / one holder of the stream: a second run fails clearly.
  auto second = shell("breakwater-agent", "run", "< /dev/null", "agent-run-2");
  EXPECT_EQ(finish(second), 1) << second.output();
  EXPECT_NE(second.output().find("holds the relay stream"), std::string::npos) << second.output();

  const std::string marker = "hello-relay-" + crypto::hex_encode(crypto::random(6));
  auto send = shell("breakwater", "send " + agent_device + " " + marker, "< /dev/null", "cli-send");
  ASSERT_EQ(finish(send), 0) << send.output();
  auto listen = shell("breakwater", "listen --count 1 --timeout 20", "< /dev/null", "cli-listen");
  ASSERT_EQ(finish(listen, 40s), 0) << listen.output() << run.output();
  EXPECT_NE(slurp(listen.stdout_path()).find("echo: " + marker), std::string::npos) << listen.output();
  EXPECT_TRUE(run.wait_for_output("\"kind\":\"PROMPT\"", 5s) || run.output().find("PROMPT") != std::string::npos)
      << run.output();
  // The agent logs what arrived, never the content.
  EXPECT_EQ(run.output().find(marker), std::string::npos) << run.output();

  // A second message in a new client epoch: still delivered, no gap reported.
  auto send2 = shell("breakwater", "send " + agent_device + " again-" + marker, "< /dev/null", "cli-send2");
  ASSERT_EQ(finish(send2), 0) << send2.output();
  auto listen2 = shell("breakwater", "listen --count 1 --timeout 20", "< /dev/null", "cli-listen2");
  ASSERT_EQ(finish(listen2, 40s), 0) << listen2.output() << run.output();
  EXPECT_NE(slurp(listen2.stdout_path()).find("echo: again-" + marker), std::string::npos) << listen2.output();
  EXPECT_EQ(slurp(listen2.stdout_path()).find("echo: " + marker + "\n"), std::string::npos)
      << "the first echo was acknowledged and must not come again";
  EXPECT_EQ(run.output().find("gap"), std::string::npos) << run.output();

  // Restart the agent: it resumes after its acknowledged offset (nothing replayed as new).
  run.terminate(SIGTERM, 5s);
  auto rerun = shell("breakwater-agent", "run --echo", "< /dev/null", "agent-rerun");
  ASSERT_TRUE(rerun.wait_for_output("relay connected", 30s)) << rerun.output();
  auto send3 = shell("breakwater", "send " + agent_device + " third", "< /dev/null", "cli-send3");
  ASSERT_EQ(finish(send3), 0) << send3.output();
  auto listen3 = shell("breakwater", "listen --count 1 --timeout 20", "< /dev/null", "cli-listen3");
  ASSERT_EQ(finish(listen3, 40s), 0) << listen3.output() << rerun.output();
  EXPECT_EQ(slurp(listen3.stdout_path()), "echo: third\n");
  EXPECT_EQ(rerun.output().find("dropped"), std::string::npos) << rerun.output();

  // Presence: `breakwater devices` sees the running agent online.
  auto devices = shell("breakwater", "devices", "< /dev/null", "cli-devices");
  ASSERT_EQ(finish(devices), 0) << devices.output();
  EXPECT_NE(devices.output().find(agent_device + "  agent   live     online"), std::string::npos) << devices.output();

  // Revocation from the agent's command line while `run` holds the stream: the keys go at
  // once, the relay stops routing (its re-check), and the client's send fails with a reason.
  const std::string pairing_hex = find(slurp(std::filesystem::path(agent_dir_) / "pairings.json"),
                                       R"re("pairing_id":"([0-9a-f]{32})")re");
  ASSERT_EQ(pairing_hex.size(), 32u);
  auto unpair = shell("breakwater-agent", "unpair " + pairing_hex, "< /dev/null", "agent-unpair");
  ASSERT_EQ(finish(unpair), 0) << unpair.output();
  EXPECT_TRUE(rerun.wait_for_output("pairing revoked", 10s)) << rerun.output();
  auto refused = shell("breakwater", "send " + agent_device + " after-unpair", "< /dev/null", "cli-send-revoked");
  EXPECT_EQ(finish(refused), 1) << refused.output();
  // auth no longer vouches for the device (no live pairing): no assertion, nothing sent.
  EXPECT_NE(refused.output().find("still paired"), std::string::npos) << refused.output();
  EXPECT_EQ(rerun.output().find("after-unpair"), std::string::npos);
}

// What a viewer's client holding its keys could send past the relay: a PROMPT sealed inside
// an ASSERTION envelope (the relay lets a viewer send ASSERTION). Built from the client's
// stored sending state for epoch n with a fresh r.
e2e::Envelope disguised_prompt(e2e::StateStore& store, const agent::BookEntry& p, const std::string& body) {
  auto st = store.load_sender(p.pairing_id, e2e::Direction::kClientToAgent);
  EXPECT_TRUE(st && st->has_value());
  const auto& ck = (*st)->ck;
  e2e::Envelope e;
  e.header.sender = p.self_device;
  e.header.recipient = p.peer_device;
  e.header.epoch = {(*st)->n, 0x5151};
  e.header.seq = 1;
  const auto nonce = crypto::random(16);
  std::copy(nonce.begin(), nonce.end(), e.header.nonce.begin());
  e.header.sent_at_ms = now_ms();
  e.header.kind = e2e::Kind::kAssertion;
  auto key = e2e::traffic_key(ck, 0x5151, e2e::Direction::kClientToAgent, p.pairing_id);
  auto pt = e2e::encode_message({e2e::Kind::kPrompt, std::nullopt, to_bytes(body)});
  auto ct = crypto::aes256_gcm_seal(key->view(), e2e::message_iv(1), e2e::encode_header(e.header), *pt);
  e.ciphertext = std::move(ct).value();
  return e;
}

TEST_F(AgentRelaySystem, AViewersDisguisedPromptIsDroppedAndAMissingMessageIsReportedAsAGap) {
  // Uses the first test's logins (same suite folder); run alone, it signs in itself.
  Running running;
  pair_and_run("viewer", "run", "agent-run-viewer", running);
  if (HasFatalFailure()) return;
  auto& run = *running.run;
  const auto& p = running.pairing;
  auto* store = &running.store;
  // The client's connection, as its own device on pod B.
  auto ws = client_socket(p, user_token());
  ASSERT_TRUE(ws);
  auto send = [&](const e2e::Envelope& e) {
    rv1::ClientFrame f;
    *f.mutable_envelope() = relayclient::to_wire(e);
    ASSERT_TRUE(ws->send(f));
  };

  const std::string secret_body = "disguised-" + crypto::hex_encode(crypto::random(6));
  {
    auto opened = e2e::Sender::open(**store, p.pairing_id, e2e::Direction::kClientToAgent, p.self_device, p.peer_device);
    ASSERT_TRUE(opened) << opened.error().message;  // epoch n now stored
  }
  send(disguised_prompt(**store, p, secret_body));
  ASSERT_TRUE(run.wait_for_output("kind_mismatch", 15s)) << run.output();

  // A dropped message in the middle of an epoch: 1 and 3 arrive, 2 never does.
  auto sender = e2e::Sender::open(**store, p.pairing_id, e2e::Direction::kClientToAgent, p.self_device, p.peer_device);
  ASSERT_TRUE(sender);
  auto m1 = sender->seal(e2e::Kind::kAssertion, as_bytes("a1"), now_ms());
  auto m2 = sender->seal(e2e::Kind::kAssertion, as_bytes("a2"), now_ms());
  auto m3 = sender->seal(e2e::Kind::kAssertion, as_bytes("a3"), now_ms());
  ASSERT_TRUE(m1 && m2 && m3);
  send(*m1);
  send(*m3);
  ASSERT_TRUE(run.wait_for_output("gap: messages missing", 15s)) << run.output();
  EXPECT_NE(run.output().find("\"from_seq\":2"), std::string::npos) << run.output();
  // A viewer's plain PROMPT is stopped by the relay already (defence in depth).
  auto prompt = sender->seal(e2e::Kind::kPrompt, as_bytes("p"), now_ms());
  ASSERT_TRUE(prompt);
  send(*prompt);
  bool refused = false;
  for (int i = 0; i < 30 && !refused; ++i) {
    auto f = ws->receive(100ms);
    refused = f && f->has_error() && f->error().code() == rv1::Error::ROLE_FORBIDS_KIND;
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(run.output().find(secret_body), std::string::npos) << "content never logged";
}

TEST_F(AgentRelaySystem, AClientEpochWithoutAValidDeviceAssertionIsRefusedByTheAgent) {
  // The relay routes these (a member may send PROMPT and ASSERTION); only the agent, which
  // checks auth's signature itself, can refuse them.
  Running running;
  pair_and_run("member", "run --echo", "agent-run-assert", running);
  if (HasFatalFailure()) return;
  auto& run = *running.run;
  const auto& p = running.pairing;
  auto* store = &running.store;
  const std::string token = user_token();
  auto ws = client_socket(p, token);
  ASSERT_TRUE(ws);
  auto send = [&](const e2e::Envelope& e) {
    rv1::ClientFrame f;
    *f.mutable_envelope() = relayclient::to_wire(e);
    ASSERT_TRUE(ws->send(f));
  };
  auto sender = [&] {
    auto s = e2e::Sender::open(**store, p.pairing_id, e2e::Direction::kClientToAgent, p.self_device, p.peer_device);
    EXPECT_TRUE(s) << s.error().message;
    return std::move(s).value();
  };
  // 1. A prompt with no assertion in its epoch.
  {
    auto s = sender();
    auto prompt = s.seal(e2e::Kind::kPrompt, as_bytes("unasserted"), now_ms());
    ASSERT_TRUE(prompt);
    send(*prompt);
    ASSERT_TRUE(run.wait_for_output("\"reason\":\"no_assertion\"", 15s)) << run.output();
  }
  // 2. auth's real assertion for this device with one signature byte changed, then a prompt.
  const auto r = post("/v1/device/assertion", {{"device_id", crypto::hex_encode(p.self_device)}}, token);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string forged = nlohmann::json::parse(r.body).value("assertion", "");
  ASSERT_GT(forged.size(), 10u);
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  {
    auto s = sender();
    auto a = s.seal(e2e::Kind::kAssertion, as_bytes(forged), now_ms());
    auto prompt = s.seal(e2e::Kind::kPrompt, as_bytes("forged-assertion"), now_ms());
    ASSERT_TRUE(a && prompt);
    send(*a);
    send(*prompt);
    ASSERT_TRUE(run.wait_for_output("bad_signature", 15s)) << run.output();
  }
  // 3. The same epoch rules with the real assertion: accepted and echoed.
  {
    auto s = sender();
    auto a = s.seal(e2e::Kind::kAssertion, as_bytes(nlohmann::json::parse(r.body).value("assertion", "")), now_ms());
    auto prompt = s.seal(e2e::Kind::kPrompt, as_bytes("asserted"), now_ms());
    ASSERT_TRUE(a && prompt);
    send(*a);
    send(*prompt);
  }
  bool echoed = false;
  for (int i = 0; i < 150 && !echoed; ++i) {
    auto f = ws->receive(100ms);
    if (!f || !f->has_delivery()) continue;
    auto env = relayclient::from_wire(f->delivery().envelope());
    ASSERT_TRUE(env);
    auto rs = (*store)->load_receiver(p.pairing_id, e2e::Direction::kAgentToClient);
    ASSERT_TRUE(rs && rs->has_value());
    auto opened = e2e::open_envelope(**rs, *env, p.pairing_id, e2e::Direction::kAgentToClient);
    if (!opened) continue;
    ASSERT_TRUE(e2e::commit(**store, p.pairing_id, e2e::Direction::kAgentToClient, opened->next));
    const auto body = to_string(opened->message.body);
    EXPECT_EQ(body.find("unasserted"), std::string::npos) << "an unasserted prompt was acted on";
    EXPECT_EQ(body.find("forged-assertion"), std::string::npos) << "a prompt under a forged assertion was acted on";
    echoed = body == "echo: asserted";
  }
  EXPECT_TRUE(echoed) << run.output();
}

TEST_F(AgentRelaySystem, SendToAnUnpairedAgentFailsClearly) {
  auto send = shell("breakwater", "send " + std::string(32, 'a') + " hi", "< /dev/null", "cli-send-unpaired");
  EXPECT_EQ(finish(send), 1) << send.output();
  EXPECT_NE(send.output().find("no pairing with agent device"), std::string::npos) << send.output();
}

}  // namespace
}  // namespace bw::testing
