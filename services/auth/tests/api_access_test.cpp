// The public API's access rules, route by route, for every route served: each route is
// classified here (public, bearer, device token) and the test fails when a route is served
// that this table does not know, so a new endpoint cannot skip these checks. Then:
//  - every bearer and device-token route refuses a request without credentials (401);
//  - a viewer attempting each action above its role gets 403 and changes nothing;
//  - the owner of tenant alpha, who may do everything in alpha, calls every route that takes
//    an id (in the path or the body) with ids of tenant beta: 404, exactly like an id that
//    does not exist, and beta's users, devices, pairings, invitations and sessions are
//    unchanged afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "api_test_support.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"

namespace bw::auth::api {
namespace {

using json = nlohmann::json;

enum class Access { kPublic, kBearer, kDevice };

struct RouteSpec {
  std::string method;
  std::string pattern;
  Access access;
};

// Every route the API serves, and how it authenticates.
const std::vector<RouteSpec> kRoutes = {
    {"POST", "/v1/signup", Access::kPublic},
    {"POST", "/v1/login", Access::kPublic},
    {"POST", "/v1/token/refresh", Access::kPublic},
    {"POST", "/v1/logout", Access::kPublic},
    {"GET", "/.well-known/jwks.json", Access::kPublic},
    {"POST", "/v1/invitations/accept", Access::kPublic},
    {"POST", "/v1/device/code", Access::kPublic},
    {"POST", "/v1/device/token", Access::kPublic},
    {"GET", "/v1/me", Access::kBearer},
    {"POST", "/v1/me/password", Access::kBearer},
    {"POST", "/v1/me/sign-out-everywhere", Access::kBearer},
    {"POST", "/v1/mfa/totp", Access::kBearer},
    {"POST", "/v1/mfa/totp/verify", Access::kBearer},
    {"POST", "/v1/mfa/totp/disable", Access::kBearer},
    {"POST", "/v1/mfa/recovery-codes", Access::kBearer},
    {"PUT", "/v1/tenant/mfa", Access::kBearer},
    {"GET", "/v1/tenant", Access::kBearer},
    {"GET", "/v1/users", Access::kBearer},
    {"GET", "/v1/users/{id}", Access::kBearer},
    {"PATCH", "/v1/users/{id}", Access::kBearer},
    {"POST", "/v1/users/{id}/disable", Access::kBearer},
    {"POST", "/v1/invitations", Access::kBearer},
    {"POST", "/v1/device/lookup", Access::kBearer},
    {"POST", "/v1/device/approve", Access::kBearer},
    {"POST", "/v1/device/deny", Access::kBearer},
    {"GET", "/v1/devices", Access::kBearer},
    {"PATCH", "/v1/devices/{id}", Access::kBearer},
    {"DELETE", "/v1/devices/{id}", Access::kBearer},
    {"POST", "/v1/pairing/claims", Access::kBearer},
    {"GET", "/v1/pairings", Access::kBearer},
    {"DELETE", "/v1/pairings/{id}", Access::kBearer},
    {"POST", "/v1/device/assertion", Access::kBearer},
    {"GET", "/v1/audit/checkpoint", Access::kBearer},
    {"GET", "/v1/audit/keys", Access::kBearer},
    {"GET", "/v1/audit/events", Access::kBearer},
    {"GET", "/v1/audit/proofs/inclusion", Access::kBearer},
    {"GET", "/v1/audit/proofs/consistency", Access::kBearer},
    {"GET", "/v1/device/self", Access::kDevice},
    {"GET", "/v1/device/pairings", Access::kDevice},
    {"POST", "/v1/pairing/offers", Access::kDevice},
    {"GET", "/v1/pairing/offers/{id}", Access::kDevice},
};

std::string hex(const store::Id& id) { return crypto::hex_encode(ByteView(id)); }

class AccessTest : public ApiTest {
 protected:
  void SetUp() override {
    setup_.kek = kek_;
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    alpha_ = signup("alpha", "alice");
    beta_ = signup("beta", "bob");
    vic_ = add_user(alpha_, "vic", store::Role::kViewer);
    bmember_ = add_user(beta_, "bmember", store::Role::kMember);
    alice_ = login("alpha", "alice");
    vic_token_ = login("alpha", "vic");
    bob_ = login("beta", "bob");
    bob_refresh_ = last_refresh_;
    alpha_agent_ = agent(alpha_, owner_of(alpha_));
    beta_agent_ = agent(beta_, owner_of(beta_));
    // beta: a claimed pairing (with its client device), a second open offer, an invitation.
    const auto offer = call("POST", "/v1/pairing/offers", {{"role", "member"}}, beta_agent_token_);
    ASSERT_EQ(offer.status, 201) << offer.body;
    beta_pairing_ = body(offer)["pairing_id"];
    const auto claim = call("POST", "/v1/pairing/claims",
                            {{"pairing_id", beta_pairing_}, {"code", body(offer)["code"]},
                             {"client_public_key", crypto::base64url_encode(crypto::random(32))}, {"device_name", "phone"}},
                            bob_);
    ASSERT_EQ(claim.status, 201) << claim.body;
    beta_client_ = body(claim)["client_device_id"];
    const auto open_offer = call("POST", "/v1/pairing/offers", {{"role", "viewer"}}, beta_agent_token_);
    ASSERT_EQ(open_offer.status, 201);
    beta_open_offer_ = body(open_offer)["pairing_id"];
    beta_open_code_ = body(open_offer)["code"];
    const auto inv = call("POST", "/v1/invitations", {{"email", "new@beta.example"}, {"role", "member"}}, bob_);
    ASSERT_EQ(inv.status, 201) << inv.body;
    beta_invitation_ = body(inv)["token"];
  }

  store::Id signup(const std::string& tenant, const std::string& owner) {
    const auto r = post_signup(tenant, owner);
    EXPECT_EQ(r.status, 201) << r.body;
    return tenant_id(tenant);
  }
  store::User owner_of(const store::Id& tenant) {
    const auto users = store_->list_users(tenant);
    for (const auto& u : *users) {
      if (u.role == store::Role::kOwner) return u;
    }
    ADD_FAILURE() << "no owner";
    return {};
  }
  store::Id add_user(const store::Id& tenant, const std::string& login, store::Role role) {
    return create_user(tenant, login, role).id;
  }
  std::string login(const std::string& tenant, const std::string& user) {
    const auto r = post_login(tenant, user);
    EXPECT_EQ(r.status, 200) << r.body;
    last_refresh_ = body(r).value("refresh_token", "");
    return body(r).value("access_token", "");
  }
  std::string agent(const store::Id& tenant, const store::User& owner) {
    store::Device d{tenant, {}, owner.id, store::DeviceKind::kAgent, "laptop", {}, now_, std::nullopt};
    crypto::random_bytes(d.id);
    EXPECT_TRUE(store_->create_device(d).ok());
    const std::string token = authcore::generate_token(authcore::TokenKind::kDevice);
    EXPECT_TRUE(store_->create_device_token(tenant, owner.id, d.id, authcore::token_hash(token), now_).ok());
    if (tenant == beta_) beta_agent_token_ = token, beta_agent_id_ = hex(d.id);
    return hex(d.id);
  }

  store::Id alpha_{}, beta_{}, vic_{}, bmember_{};
  std::string alice_, vic_token_, bob_, bob_refresh_, last_refresh_;
  std::string alpha_agent_, beta_agent_, beta_agent_token_, beta_agent_id_;
  std::string beta_pairing_, beta_client_, beta_open_offer_, beta_open_code_, beta_invitation_;
};

TEST_F(AccessTest, EveryServedRouteIsClassifiedHere) {
  std::set<std::pair<std::string, std::string>> served, known;
  for (const auto& r : api_->routes()) served.insert(r);
  for (const auto& r : kRoutes) known.insert({r.method, r.pattern});
  for (const auto& r : served) EXPECT_TRUE(known.count(r)) << "not classified in kRoutes: " << r.first << " " << r.second;
  for (const auto& r : known) EXPECT_TRUE(served.count(r)) << "classified but not served: " << r.first << " " << r.second;
}

TEST_F(AccessTest, EveryAuthenticatedRouteRefusesAnonymousAndForgedCallers) {
  const std::string forged_device = authcore::generate_token(authcore::TokenKind::kDevice);
  for (const auto& r : kRoutes) {
    if (r.access == Access::kPublic) continue;
    std::string path = r.pattern;
    if (const auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, std::string(32, 'a'));
    for (const std::string& credential : {std::string(), std::string("not-a-token"),
                                          r.access == Access::kBearer ? forged_device : alice_}) {
      const auto resp = call(r.method, path, json::object(), credential);
      EXPECT_EQ(resp.status, 401) << r.method << " " << r.pattern << " with '" << credential.substr(0, 8) << "'";
    }
  }
}

TEST_F(AccessTest, AViewerAttemptingEachActionAboveItsRoleIsRefusedAndChangesNothing) {
  const std::string bob_in_alpha = hex(add_user(alpha_, "mem", store::Role::kMember));
  struct Attempt {
    std::string method, path;
    json body;
  };
  const std::vector<Attempt> attempts = {
      {"PUT", "/v1/tenant/mfa", {{"required", true}}},
      {"GET", "/v1/users", nullptr},
      {"GET", "/v1/users/" + bob_in_alpha, nullptr},
      {"PATCH", "/v1/users/" + bob_in_alpha, {{"role", "viewer"}}},
      {"PATCH", "/v1/users/" + hex(vic_), {{"role", "owner"}}},
      {"POST", "/v1/users/" + bob_in_alpha + "/disable", json::object()},
      {"POST", "/v1/invitations", {{"email", "x@alpha.example"}, {"role", "viewer"}}},
      {"POST", "/v1/device/lookup", {{"user_code", "BCDF-GHJK"}}},
      {"POST", "/v1/device/approve", {{"user_code", "BCDF-GHJK"}}},
      {"POST", "/v1/device/deny", {{"user_code", "BCDF-GHJK"}}},
      {"GET", "/v1/devices?user=" + hex(owner_of(alpha_).id), nullptr},
      {"DELETE", "/v1/devices/" + alpha_agent_, nullptr},
      {"GET", "/v1/audit/checkpoint", nullptr},
      {"GET", "/v1/audit/keys", nullptr},
      {"GET", "/v1/audit/events", nullptr},
      {"GET", "/v1/audit/proofs/inclusion?event_id=" + std::string(32, 'a') + "&tree_size=1", nullptr},
      {"GET", "/v1/audit/proofs/consistency?first=1&second=2", nullptr},
  };
  for (const auto& a : attempts) {
    const auto r = call(a.method, a.path, a.body, vic_token_);
    EXPECT_TRUE(r.status == 403 || r.status == 404) << a.method << " " << a.path << " → " << r.status << " " << r.body;
  }
  const auto mem = store_->find_user_by_login(alpha_, "mem");
  EXPECT_EQ(mem->role, store::Role::kMember);
  EXPECT_FALSE(mem->disabled_at.has_value());
  EXPECT_EQ(store_->get_user(alpha_, vic_)->role, store::Role::kViewer);
  EXPECT_FALSE(store_->get_tenant(alpha_)->mfa_required);
  const auto alpha_device = call("GET", "/v1/devices?user=" + hex(owner_of(alpha_).id), nullptr, alice_);
  ASSERT_EQ(alpha_device.status, 200) << alpha_device.body;
  EXPECT_EQ(alpha_device.body.find("\"revoked_at\":null"), alpha_device.body.find("\"revoked_at\""))
      << "alice's agent is not revoked: " << alpha_device.body;
}

TEST_F(AccessTest, EveryRouteTakingAnIdRefusesAnotherTenantsIdsAsNotFound) {
  const std::string bob_id = hex(owner_of(beta_).id), member_id = hex(bmember_);
  struct Attempt {
    std::string method, path;
    json body;
    std::string credential;
  };
  const std::vector<Attempt> attempts = {
      {"GET", "/v1/users/" + bob_id, nullptr, alice_},
      {"PATCH", "/v1/users/" + member_id, {{"role", "viewer"}}, alice_},
      {"POST", "/v1/users/" + member_id + "/disable", json::object(), alice_},
      {"GET", "/v1/devices?user=" + bob_id, nullptr, alice_},
      {"PATCH", "/v1/devices/" + beta_agent_id_, {{"name", "mine now"}}, alice_},
      {"DELETE", "/v1/devices/" + beta_agent_id_, nullptr, alice_},
      {"DELETE", "/v1/devices/" + beta_client_, nullptr, alice_},
      {"DELETE", "/v1/pairings/" + beta_pairing_, nullptr, alice_},
      {"POST", "/v1/device/assertion", {{"device_id", beta_client_}}, alice_},
      {"POST",
       "/v1/pairing/claims",
       {{"pairing_id", beta_open_offer_},
        {"code", beta_open_code_},
        {"client_public_key", crypto::base64url_encode(crypto::random(32))},
        {"device_name", "thief"}},
       alice_},
      {"GET", "/v1/pairing/offers/" + beta_open_offer_, nullptr, ""},  // alpha's agent token, set below
      {"POST",
       "/v1/invitations/accept",
       {{"tenant", "alpha"}, {"token", beta_invitation_}, {"login", "newbie"}, {"password", kPassword}},
       ""},
  };
  // alpha's agent device token.
  const std::string alpha_agent_token = [&] {
    store::Device d{alpha_, {}, owner_of(alpha_).id, store::DeviceKind::kAgent, "desk", {}, now_, std::nullopt};
    crypto::random_bytes(d.id);
    EXPECT_TRUE(store_->create_device(d).ok());
    const std::string token = authcore::generate_token(authcore::TokenKind::kDevice);
    EXPECT_TRUE(store_->create_device_token(alpha_, d.user_id, d.id, authcore::token_hash(token), now_).ok());
    return token;
  }();
  for (auto a : attempts) {
    if (a.path.rfind("/v1/pairing/offers/", 0) == 0) a.credential = alpha_agent_token;
    const auto r = call(a.method, a.path, a.body, a.credential);
    EXPECT_EQ(r.status, 404) << a.method << " " << a.path << " → " << r.body;
  }
  // Refresh and logout name the tenant by slug: beta's token under alpha finds nothing.
  EXPECT_EQ(call("POST", "/v1/token/refresh", {{"tenant", "alpha"}, {"refresh_token", bob_refresh_}}).status, 401);
  EXPECT_EQ(call("POST", "/v1/logout", {{"tenant", "alpha"}, {"refresh_token", bob_refresh_}}).status, 204);

  // beta is untouched.
  EXPECT_EQ(store_->get_user(beta_, bmember_)->role, store::Role::kMember);
  EXPECT_FALSE(store_->get_user(beta_, bmember_)->disabled_at.has_value());
  EXPECT_EQ(call("GET", "/v1/device/self", nullptr, beta_agent_token_).status, 200);
  store::Id pairing_id{};
  const auto pairing_bytes = crypto::hex_decode(beta_pairing_);
  ASSERT_TRUE(pairing_bytes && pairing_bytes->size() == 16);
  std::copy(pairing_bytes->begin(), pairing_bytes->end(), pairing_id.begin());
  const auto pairing = store_->get_pairing(beta_, pairing_id);
  ASSERT_TRUE(pairing);
  EXPECT_FALSE(pairing->revoked_at.has_value());
  const auto offer = call("GET", "/v1/pairing/offers/" + beta_open_offer_, nullptr, beta_agent_token_);
  ASSERT_EQ(offer.status, 200) << offer.body;
  EXPECT_EQ(body(offer)["status"], "pending") << "the thief's claim left the offer open";
  const auto refreshed = call("POST", "/v1/token/refresh", {{"tenant", "beta"}, {"refresh_token", bob_refresh_}});
  EXPECT_EQ(refreshed.status, 200) << "alpha's logout did not end beta's session";
  const auto accepted = call("POST", "/v1/invitations/accept",
                             {{"tenant", "beta"}, {"token", beta_invitation_}, {"login", "newbie"}, {"password", kPassword}});
  EXPECT_EQ(accepted.status, 201) << "the invitation is still usable in its own tenant: " << accepted.body;
}

}  // namespace
}  // namespace bw::auth::api
