// Pairing offers, claims, lists, revocation and device assertions through AuthApi in process:
// a real SQLite store in a temporary folder and an injected clock. Agent devices and their
// tokens are made directly in the store (device enrolment is another slice); users sign in
// through the API.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>

#include "api_test_support.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/jwt/jwt.hpp"
#include "bw/log/log.hpp"

namespace bw::auth::api {
namespace {

using nlohmann::json;
using store::Role;

constexpr std::int64_t kFiveMinutesMs = 5 * 60 * 1000;

// A signed-in user of a tenant.
struct Member {
  store::Id tenant_id{};
  store::Id id{};
  std::string slug, login, access;
};

// An agent device with its device token.
struct Agent {
  store::Id id{};
  std::string token;
};

class PairingApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(post_signup("acme", "alice").status, 201);
    alice_ = sign_in("acme", "alice");
    agent_ = make_agent(alice_);
  }

  Member sign_in(const std::string& slug, const std::string& login) {
    const std::string access = access_token(slug, login);
    const store::Id tenant = tenant_id(slug);
    return Member{tenant, store_->find_user_by_login(tenant, login)->id, slug, login, access};
  }
  // A user of alice's tenant (or of `tenant`) with `role`, signed in.
  Member add_user(const std::string& login, Role role, const std::string& slug = "acme") {
    create_user(tenant_id(slug), login, role);
    return sign_in(slug, login);
  }
  Member other_tenant_owner() {
    EXPECT_EQ(post_signup("evil", "mallory", "m@example.com").status, 201);
    return sign_in("evil", "mallory");
  }
  Agent make_agent(const Member& owner, store::DeviceKind kind = store::DeviceKind::kAgent) {
    store::Device d{owner.tenant_id, new_id(), owner.id, kind, "laptop", {}, now_, std::nullopt};
    if (kind == store::DeviceKind::kClient) d.public_key = crypto::random(32);
    EXPECT_TRUE(store_->create_device(d).ok());
    const std::string token = authcore::generate_token(authcore::TokenKind::kDevice);
    const auto hash = authcore::token_hash(token);
    EXPECT_TRUE(store_->create_device_token(owner.tenant_id, owner.id, d.id, hash, now_).ok());
    return Agent{d.id, token};
  }
  static store::Id id_of(const std::string& hex) {
    auto bytes = crypto::hex_decode(hex);
    store::Id id{};
    if (bytes && bytes->size() == 16) std::copy(bytes->begin(), bytes->end(), id.begin());
    return id;
  }

  // A 201 offer of `agent`: {pairing_id, code, …}.
  json offer(const Agent& agent, const json& request = json::object()) {
    auto r = call("POST", "/v1/pairing/offers", request, agent.token);
    EXPECT_EQ(r.status, 201) << r.body;
    return body(r);
  }
  json claim_body(const json& o, Bytes key = {}, const std::string& code = "") {
    if (key.empty()) key = crypto::random(32);
    return {{"pairing_id", o["pairing_id"]},
            {"code", code.empty() ? o["code"].get<std::string>() : code},
            {"client_public_key", crypto::base64url_encode(key)},
            {"device_name", "phone"}};
  }
  http::Response claim(const json& o, const Member& who, const std::string& code = "") {
    return call("POST", "/v1/pairing/claims", claim_body(o, {}, code), who.access);
  }
  std::string wrong_code() { return authcore::generate_token(authcore::TokenKind::kPairingCode); }
  json status(const json& o, const Agent& agent) {
    auto r = call("GET", "/v1/pairing/offers/" + o["pairing_id"].get<std::string>(), nullptr, agent.token);
    EXPECT_EQ(r.status, 200) << r.body;
    return body(r);
  }
  std::size_t devices_of(const Member& m) { return store_->list_devices(m.tenant_id, m.id)->size(); }
  std::size_t live_devices_of(const Member& m) {
    auto all = store_->list_devices(m.tenant_id, m.id);
    return static_cast<std::size_t>(std::count_if(all->begin(), all->end(), [](auto& d) { return !d.revoked_at; }));
  }

  Member alice_;
  Agent agent_;
};

TEST_F(PairingApiTest, AnOfferIsClaimedAndTheAgentSeesWhoClaimed) {
  const json o = offer(agent_);
  EXPECT_EQ(o["role"], "member") << "member is the default";
  EXPECT_EQ(o["code"].get<std::string>().rfind("bwpc_", 0), 0u);
  EXPECT_EQ(o["expires_at"], now_ + kFiveMinutesMs);
  EXPECT_EQ(o["max_attempts"], 5);
  EXPECT_EQ(o["agent_device_id"], crypto::hex_encode(ByteView(agent_.id)));
  EXPECT_EQ(o["tenant_id"], crypto::hex_encode(ByteView(alice_.tenant_id)));
  EXPECT_EQ(status(o, agent_)["status"], "pending");

  const Member bob = add_user("bob", Role::kMember);
  const Bytes key = crypto::random(32);
  auto r = call("POST", "/v1/pairing/claims", claim_body(o, key), bob.access);
  ASSERT_EQ(r.status, 201) << r.body;
  const json c = body(r);
  EXPECT_EQ(c["pairing_id"], o["pairing_id"]);
  EXPECT_EQ(c["role"], "member");
  EXPECT_EQ(c["agent_device_id"], o["agent_device_id"]);
  EXPECT_EQ(c["tenant_id"], o["tenant_id"]);
  auto device = store_->get_device(bob.tenant_id, id_of(c["client_device_id"]));
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(device->kind, store::DeviceKind::kClient);
  EXPECT_EQ(device->user_id, bob.id);
  EXPECT_EQ(device->public_key, key);
  EXPECT_EQ(device->name, "phone");

  const json s = status(o, agent_);
  EXPECT_EQ(s["status"], "claimed");
  EXPECT_EQ(s["role"], "member");
  EXPECT_EQ(s["client_device_id"], c["client_device_id"]);
  EXPECT_EQ(s["client_user_id"], crypto::hex_encode(ByteView(bob.id)));
  EXPECT_EQ(s["client_login"], "bob");
  EXPECT_EQ(s["client_device_name"], "phone");
  EXPECT_EQ(s["client_public_key"], crypto::base64url_encode(key));
}

TEST_F(PairingApiTest, AClaimCannotCarryARoleAndRecordsTheOffersRole) {
  const json o = offer(agent_, {{"role", "viewer"}});
  json with_role = claim_body(o);
  with_role["role"] = "admin";
  auto r = call("POST", "/v1/pairing/claims", with_role, alice_.access);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body(r)["error"], "invalid_request");
  EXPECT_NE(body(r)["message"].get<std::string>().find("role"), std::string::npos);
  EXPECT_EQ(status(o, agent_)["attempts_left"], 5) << "a refused body counts nothing";
  EXPECT_EQ(devices_of(alice_), 1u) << "only the agent: no client device was made";

  r = claim(o, alice_);  // the owner claims a viewer offer: the pairing is viewer
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body(r)["role"], "viewer");
  auto p = store_->get_pairing(alice_.tenant_id, id_of(o["pairing_id"]));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, Role::kViewer);
}

TEST_F(PairingApiTest, ACodeIsSingleUse) {
  const json o = offer(agent_);
  ASSERT_EQ(claim(o, alice_).status, 201);
  const Member bob = add_user("bob", Role::kMember);
  auto again = claim(o, bob);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(body(again)["error"], "already_claimed");
  EXPECT_EQ(devices_of(bob), 0u) << "a refused claim leaves no device";
  EXPECT_EQ(store_->get_pairing(alice_.tenant_id, id_of(o["pairing_id"]))->client_user_id, alice_.id);
}

TEST_F(PairingApiTest, AnExpiredCodeIsRefused) {
  const json o = offer(agent_);
  now_ += kFiveMinutesMs;
  alice_ = sign_in("acme", "alice");
  auto r = claim(o, alice_);
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(body(r)["error"], "expired");
  EXPECT_EQ(devices_of(alice_), 1u);
  EXPECT_EQ(status(o, agent_)["status"], "expired");
}

TEST_F(PairingApiTest, FiveWrongCodesVoidTheOfferEvenForTheRightCode) {
  const json o = offer(agent_);
  for (int left = 4; left >= 0; --left) {
    auto r = claim(o, alice_, wrong_code());
    ASSERT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(body(r)["error"], "wrong_code");
    EXPECT_EQ(body(r)["attempts_left"], left);
  }
  auto r = claim(o, alice_);
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(body(r)["error"], "attempts_exhausted");
  EXPECT_EQ(devices_of(alice_), 1u) << "wrong codes never create a device";
  EXPECT_EQ(status(o, agent_)["status"], "exhausted");
  EXPECT_FALSE(store_->get_pairing(alice_.tenant_id, id_of(o["pairing_id"])).ok());
}

TEST_F(PairingApiTest, AnotherTenantsUserFindsNothingAndChangesNothing) {
  const json o = offer(agent_);
  const Member mallory = other_tenant_owner();
  const Agent evil_agent = make_agent(mallory);
  auto stolen = claim(o, mallory);  // the right code, the wrong tenant
  auto missing = call("POST", "/v1/pairing/claims", claim_body({{"pairing_id", crypto::hex_encode(ByteView(new_id()))},
                                                               {"code", o["code"]}}),
                      mallory.access);
  EXPECT_EQ(stolen.status, 404);
  EXPECT_EQ(stolen.body, missing.body) << "exactly like a missing offer";
  EXPECT_EQ(devices_of(mallory), 1u);
  EXPECT_EQ(call("GET", "/v1/pairing/offers/" + o["pairing_id"].get<std::string>(), nullptr, evil_agent.token).status,
            404);
  const json s = status(o, agent_);
  EXPECT_EQ(s["status"], "pending");
  EXPECT_EQ(s["attempts_left"], 5);

  auto ok = claim(o, alice_);
  ASSERT_EQ(ok.status, 201);
  const std::string pairing = o["pairing_id"], device = body(ok)["client_device_id"];
  EXPECT_EQ(call("DELETE", "/v1/pairings/" + pairing, nullptr, mallory.access).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/pairings/" + pairing, nullptr, evil_agent.token).status, 404);
  EXPECT_EQ(call("POST", "/v1/device/assertion", {{"device_id", device}}, mallory.access).status, 404);
  EXPECT_EQ(body(call("GET", "/v1/pairings", nullptr, mallory.access))["pairings"].size(), 0u);
  EXPECT_EQ(body(call("GET", "/v1/device/pairings", nullptr, evil_agent.token))["pairings"].size(), 0u);
  EXPECT_FALSE(store_->get_pairing(alice_.tenant_id, id_of(pairing))->revoked_at.has_value());
}

TEST_F(PairingApiTest, AViewerCanClaimButTheOffersRoleStaysAndTheAssertionCarriesViewer) {
  const json o = offer(agent_, {{"role", "admin"}});
  const Member vera = add_user("vera", Role::kViewer);
  auto r = claim(o, vera);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body(r)["role"], "admin") << "the pairing keeps the offer's role";
  auto a = call("POST", "/v1/device/assertion", {{"device_id", body(r)["client_device_id"]}}, vera.access);
  ASSERT_EQ(a.status, 200) << a.body;
  auto claims = jwt::verify(*keys_, body(a)["assertion"].get<std::string>(),
                            {kIssuer, kAudience, jwt::TokenKind::kDeviceAssertion}, now_ / 1000);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->role, "viewer") << "the assertion carries the user's role; the agent takes the lower";
}

TEST_F(PairingApiTest, AnOfferNeverGrantsOwnerNorMoreThanTheAgentsUser) {
  auto r = call("POST", "/v1/pairing/offers", {{"role", "owner"}}, agent_.token);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(body(r)["message"].get<std::string>().find("role"), std::string::npos);
  EXPECT_EQ(call("POST", "/v1/pairing/offers", {{"role", "root"}}, agent_.token).status, 400);
  EXPECT_EQ(offer(agent_, {{"role", "admin"}})["role"], "admin") << "an owner may grant admin";

  const Agent member_agent = make_agent(add_user("bob", Role::kMember));
  EXPECT_EQ(call("POST", "/v1/pairing/offers", {{"role", "admin"}}, member_agent.token).status, 403);
  EXPECT_EQ(offer(member_agent)["role"], "member");
  const Agent viewer_agent = make_agent(add_user("vera", Role::kViewer));
  EXPECT_EQ(call("POST", "/v1/pairing/offers", json::object(), viewer_agent.token).status, 403)
      << "the default member is above a viewer";
  EXPECT_EQ(offer(viewer_agent, {{"role", "viewer"}})["role"], "viewer");

  const Agent client = make_agent(alice_, store::DeviceKind::kClient);
  EXPECT_EQ(call("POST", "/v1/pairing/offers", json::object(), client.token).status, 403) << "only agents offer";
  EXPECT_EQ(call("POST", "/v1/pairing/offers", json::object(), alice_.access).status, 401) << "a user token is no device token";
  EXPECT_EQ(call("POST", "/v1/pairing/offers", json::object()).status, 401);
}

TEST_F(PairingApiTest, MalformedClaimsAreRefusedNamingTheFieldAndCountNothing) {
  const json o = offer(agent_);
  const auto refused = [&](json request, const std::string& field) {
    auto r = call("POST", "/v1/pairing/claims", request, alice_.access);
    EXPECT_EQ(r.status, 400) << field;
    EXPECT_NE(body(r)["message"].get<std::string>().find(field), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find(o["code"].get<std::string>()), std::string::npos) << "never echoes the code";
  };
  refused(claim_body(o, crypto::random(31)), "client_public_key");
  refused(claim_body(o, crypto::random(33)), "client_public_key");
  refused(claim_body(o, Bytes(32, 0)), "client_public_key");
  json padded = claim_body(o);
  padded["client_public_key"] = padded["client_public_key"].get<std::string>() + "=";
  refused(padded, "client_public_key");
  json bad_id = claim_body(o);
  bad_id["pairing_id"] = "not-hex";
  refused(bad_id, "pairing_id");
  json bad_code = claim_body(o);
  bad_code["code"] = "bwdt_" + o["code"].get<std::string>().substr(5);
  refused(bad_code, "code");
  json control = claim_body(o);
  control["device_name"] = "pho\nne";
  refused(control, "device_name");
  json missing = claim_body(o);
  missing.erase("device_name");
  refused(missing, "device_name");
  EXPECT_EQ(status(o, agent_)["attempts_left"], 5);
  EXPECT_EQ(devices_of(alice_), 1u);
  EXPECT_EQ(call("POST", "/v1/pairing/claims", claim_body(o)).status, 401) << "a claim needs a signed-in user";
  EXPECT_EQ(call("POST", "/v1/pairing/claims", claim_body(o), agent_.token).status, 401) << "not a device token";
}

TEST_F(PairingApiTest, TheAssertionVerifiesAndBindsTheClientKey) {
  const json o = offer(agent_);
  const Bytes key = crypto::random(32);
  auto c = call("POST", "/v1/pairing/claims", claim_body(o, key), alice_.access);
  ASSERT_EQ(c.status, 201);
  const std::string device = body(c)["client_device_id"];
  auto r = call("POST", "/v1/device/assertion", {{"device_id", device}}, alice_.access);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r)["expires_in"], 300);
  auto claims = jwt::verify(*keys_, body(r)["assertion"].get<std::string>(),
                            {kIssuer, kAudience, jwt::TokenKind::kDeviceAssertion}, now_ / 1000);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->device, device);
  EXPECT_EQ(claims->confirmation_key_sha256, crypto::sha256(key));
  EXPECT_EQ(claims->subject, crypto::hex_encode(ByteView(alice_.id)));
  EXPECT_EQ(claims->tenant, crypto::hex_encode(ByteView(alice_.tenant_id)));
  EXPECT_EQ(claims->role, "owner");
  EXPECT_EQ(claims->expires_at - claims->issued_at, 300);
  EXPECT_FALSE(jwt::verify(*keys_, body(r)["assertion"].get<std::string>(), {kIssuer, kAudience, jwt::TokenKind::kAccess},
                           now_ / 1000)
                   .ok())
      << "an assertion is no access token";
  EXPECT_FALSE(jwt::verify(*keys_, body(r)["assertion"].get<std::string>(),
                           {kIssuer, kAudience, jwt::TokenKind::kDeviceAssertion}, now_ / 1000 + 301 + 30)
                   .ok())
      << "and it expires";
}

TEST_F(PairingApiTest, AnAssertionIsOnlyForALivePairedClientDeviceOfTheCaller) {
  const json o = offer(agent_);
  auto c = claim(o, alice_);
  ASSERT_EQ(c.status, 201);
  const std::string device = body(c)["client_device_id"];
  const Member bob = add_user("bob", Role::kAdmin);
  EXPECT_EQ(call("POST", "/v1/device/assertion", {{"device_id", device}}, bob.access).status, 404)
      << "another user's device, even for an admin";
  EXPECT_EQ(call("POST", "/v1/device/assertion", {{"device_id", crypto::hex_encode(ByteView(agent_.id))}},
                 alice_.access)
                .status,
            404)
      << "an agent device";
  EXPECT_EQ(call("POST", "/v1/device/assertion", {{"device_id", "zz"}}, alice_.access).status, 400);
  EXPECT_EQ(call("POST", "/v1/device/assertion", {{"device_id", device}}).status, 401);

  ASSERT_EQ(call("DELETE", "/v1/pairings/" + o["pairing_id"].get<std::string>(), nullptr, alice_.access).status, 200);
  auto unpaired = call("POST", "/v1/device/assertion", {{"device_id", device}}, alice_.access);
  EXPECT_EQ(unpaired.status, 409);
  EXPECT_EQ(body(unpaired)["error"], "not_paired");
  ASSERT_TRUE(store_->revoke_device(alice_.tenant_id, id_of(device), now_).ok());
  EXPECT_EQ(call("POST", "/v1/device/assertion", {{"device_id", device}}, alice_.access).status, 404);
}

TEST_F(PairingApiTest, PairingsAreListedForTheClientUserAndTheAgent) {
  const json o = offer(agent_, {{"role", "viewer"}});
  const Member bob = add_user("bob", Role::kMember);
  ASSERT_EQ(claim(o, bob).status, 201);
  const json mine = body(call("GET", "/v1/pairings", nullptr, bob.access));
  ASSERT_EQ(mine["pairings"].size(), 1u);
  EXPECT_EQ(mine["pairings"][0]["pairing_id"], o["pairing_id"]);
  EXPECT_EQ(mine["pairings"][0]["side"], "client");
  EXPECT_EQ(mine["pairings"][0]["role"], "viewer");
  EXPECT_EQ(mine["pairings"][0]["agent_device_name"], "laptop");
  EXPECT_TRUE(mine["pairings"][0]["revoked_at"].is_null());
  const json agents = body(call("GET", "/v1/device/pairings", nullptr, agent_.token));
  ASSERT_EQ(agents["pairings"].size(), 1u);
  EXPECT_EQ(agents["pairings"][0]["side"], "agent");
  EXPECT_EQ(agents["pairings"][0]["client_user_id"], crypto::hex_encode(ByteView(bob.id)));
  const json owners = body(call("GET", "/v1/pairings", nullptr, alice_.access));
  ASSERT_EQ(owners["pairings"].size(), 1u) << "the agent's user sees it too";
  EXPECT_EQ(owners["pairings"][0]["side"], "agent");
  EXPECT_EQ(body(call("GET", "/v1/pairings", nullptr, add_user("carol", Role::kMember).access))["pairings"].size(), 0u);
}

TEST_F(PairingApiTest, OnlyThePartiesAndAdminsRevokeAPairingOnceAudited) {
  const Member bob = add_user("bob", Role::kMember);
  const Member carol = add_user("carol", Role::kMember);
  const Member vera = add_user("vera", Role::kViewer);
  const Member adam = add_user("adam", Role::kAdmin);
  const auto paired = [&]() -> std::string {
    const json o = offer(agent_);
    EXPECT_EQ(claim(o, bob).status, 201);
    return "/v1/pairings/" + o["pairing_id"].get<std::string>();
  };
  const std::string p1 = paired();
  EXPECT_EQ(call("DELETE", p1, nullptr, carol.access).status, 404) << "a member not party to it";
  EXPECT_EQ(call("DELETE", p1, nullptr, vera.access).status, 404) << "a viewer";
  EXPECT_EQ(call("DELETE", p1, nullptr, make_agent(carol).token).status, 404) << "another agent";
  EXPECT_EQ(call("DELETE", p1).status, 401);
  EXPECT_EQ(call("DELETE", "/v1/pairings/" + crypto::hex_encode(ByteView(new_id())), nullptr, adam.access).status, 404);
  auto first = call("DELETE", p1, nullptr, bob.access);
  ASSERT_EQ(first.status, 200) << "the client user";
  EXPECT_EQ(body(first)["revoked_at"], now_);
  now_ += 1000;
  auto again = call("DELETE", p1, nullptr, adam.access);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(body(again)["revoked_at"], now_ - 1000) << "the first revocation time is kept";
  EXPECT_EQ(call("DELETE", paired(), nullptr, adam.access).status, 200) << "an admin";
  EXPECT_EQ(call("DELETE", paired(), nullptr, agent_.token).status, 200) << "the agent device";
  EXPECT_EQ(call("DELETE", paired(), nullptr, alice_.access).status, 200) << "the agent's user";

  auto events = store_->peek_audit_events(1000);
  ASSERT_TRUE(events.ok());
  const auto revoked = std::count_if(events->begin(), events->end(), [](auto& e) { return e.kind == "pairing_revoked"; });
  EXPECT_EQ(revoked, 4) << "one event per pairing, none for the repeat";
}

TEST_F(PairingApiTest, AClaimWhoseAgentWasRevokedLeavesNoLiveDevice) {
  const json o = offer(agent_);
  ASSERT_TRUE(store_->revoke_device(alice_.tenant_id, agent_.id, now_).ok());
  const Member bob = add_user("bob", Role::kMember);
  auto r = claim(o, bob);
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(body(r)["error"], "agent_revoked");
  EXPECT_EQ(devices_of(bob), 1u) << "the device was made for the matching code";
  EXPECT_EQ(live_devices_of(bob), 0u) << "and revoked when the claim failed";
}

TEST_F(PairingApiTest, ParallelClaimsOfOneCodeLeaveOnePairingAndOneLiveClientDevice) {
  const json o = offer(agent_);
  constexpr int kThreads = 6;
  std::vector<int> statuses(kThreads);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      statuses[i] = claim(o, alice_).status;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), kThreads - 1);
  EXPECT_EQ(live_devices_of(alice_), 2u) << "the agent and the one winning client device";
  EXPECT_EQ(store_->list_pairings(alice_.tenant_id, agent_.id)->size(), 1u);
}

TEST_F(PairingApiTest, TheCodeNeverReachesLogsOrAuditEvents) {
  std::vector<std::string> lines;
  std::mutex mu;
  log::set_level(log::Level::kDebug);
  log::set_sink([&](std::string_view line) {
    std::lock_guard lock(mu);
    lines.emplace_back(line);
  });
  const json o = offer(agent_);
  ASSERT_EQ(claim(o, alice_, wrong_code()).status, 403);
  ASSERT_EQ(claim(o, alice_).status, 201);
  ASSERT_EQ(call("DELETE", "/v1/pairings/" + o["pairing_id"].get<std::string>(), nullptr, agent_.token).status, 200);
  log::reset_sink();
  ASSERT_NE(std::find_if(lines.begin(), lines.end(), [](auto& l) { return l.find("pairing_claimed") != std::string::npos; }),
            lines.end())
      << "the sink saw the handlers' lines";
  const std::string code = o["code"];
  const std::string secret = code.substr(5);  // without the prefix the redaction looks for
  for (const auto& l : lines) {
    EXPECT_EQ(l.find(secret), std::string::npos) << l;
  }
  auto events = store_->peek_audit_events(1000);
  ASSERT_TRUE(events.ok());
  std::vector<std::string> kinds;
  for (const auto& e : *events) {
    kinds.push_back(e.kind);
    const std::string payload(e.payload.begin(), e.payload.end());
    EXPECT_EQ(payload.find(secret), std::string::npos) << e.kind;
    EXPECT_EQ(payload.find("bwpc_"), std::string::npos) << e.kind;
  }
  for (const char* kind : {"pairing_offered", "pairing_claim_refused", "pairing_claimed", "pairing_revoked"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
  }
}

TEST_F(PairingApiTest, EveryOutcomeMovesItsCounter) {
  const json o = offer(agent_);
  ASSERT_EQ(claim(o, alice_, wrong_code()).status, 403);
  ASSERT_EQ(claim(o, alice_).status, 201);
  ASSERT_EQ(claim(o, alice_).status, 409);
  status(o, agent_);
  const std::string text = metrics_.serialize();
  for (const char* series : {"breakwater_auth_pairing_offers_total{result=\"created\"} 1",
                             "breakwater_auth_pairing_claims_total{result=\"wrong_code\"} 1",
                             "breakwater_auth_pairing_claims_total{result=\"claimed\"} 1",
                             "breakwater_auth_pairing_claims_total{result=\"already_claimed\"} 1",
                             "breakwater_auth_pairing_offer_reads_total{result=\"claimed\"} 1"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series;
  }
}

}  // namespace
}  // namespace bw::auth::api
