// The device authorization grant (RFC 8628) and the device routes in process: a real
// SQLite store in a temporary folder, a fake lockout and an injected clock, so polling
// intervals and expiry are tested without sleeps.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "api/api_support.hpp"
#include "api/device_codes.hpp"
#include "api_test_support.hpp"
#include "bw/log/log.hpp"

namespace bw::auth::api {
namespace {

using nlohmann::json;

constexpr const char* kPeer = "192.0.2.7";  // the fixture's peer_

struct User {
  std::string id;
  std::string access;
};

struct Agent {
  std::string device_id;
  std::string token;
};

class DevicesApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(post_signup("acme", "alice").status, 201);
    ASSERT_EQ(post_signup("beta", "bob").status, 201);
    owner_ = sign_in("acme", "alice");
    other_owner_ = sign_in("beta", "bob");
    admin_ = add_user("acme", "ada", store::Role::kAdmin);
    member_ = add_user("acme", "max", store::Role::kMember);
    viewer_ = add_user("acme", "vic", store::Role::kViewer);
  }
  void TearDown() override { log::reset_sink(); }

  static std::string error_of(const http::Response& r) { return r.body.empty() ? "" : body(r).value("error", ""); }

  User sign_in(const std::string& tenant, const std::string& login) {
    const std::string access = access_token(tenant, login);
    const auto me = call("GET", "/v1/me", nullptr, access);
    return User{body(me)["user_id"], access};
  }
  User add_user(const std::string& tenant, const std::string& login, store::Role role) {
    create_user(tenant_id(tenant), login, role);
    return sign_in(tenant, login);
  }

  json request_code(const std::string& name = "build-box") {
    const auto r = call("POST", "/v1/device/code", {{"name", name}});
    EXPECT_EQ(r.status, 200) << r.body;
    return body(r);
  }
  http::Response poll(const std::string& device_code) {
    return call("POST", "/v1/device/token", {{"device_code", device_code}});
  }
  http::Response approve(const std::string& user_code, const User& user) {
    return call("POST", "/v1/device/approve", {{"user_code", user_code}}, user.access);
  }
  // The whole grant for `user`, returning the agent's credential.
  Agent register_agent(const User& user, const std::string& name = "build-box") {
    const auto code = request_code(name);
    EXPECT_EQ(approve(code["user_code"], user).status, 204);
    const auto r = poll(code["device_code"]);
    EXPECT_EQ(r.status, 200) << r.body;
    now_ += 5000;
    return Agent{body(r)["device_id"], body(r)["device_token"]};
  }
  bool audited(const std::string& kind) {
    const auto events = audit_events();
    return std::any_of(events.begin(), events.end(), [&](const auto& e) { return e.kind == kind; });
  }

  User owner_, other_owner_, admin_, member_, viewer_;
};

TEST(DeviceCodes, UserCodesAreEightLettersOfTheAlphabetAndVary) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto code = detail::generate_user_code();
    ASSERT_EQ(code.size(), 8u);
    for (char c : code) EXPECT_NE(detail::kUserCodeAlphabet.find(c), std::string_view::npos) << code;
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(DeviceCodes, InputIsCaseAndDashInsensitive) {
  EXPECT_EQ(detail::normalize_user_code("bcdf-ghjk"), "BCDFGHJK");
  EXPECT_EQ(detail::normalize_user_code(" BCDF GHJK "), "BCDFGHJK");
  EXPECT_EQ(detail::display_user_code("BCDFGHJK"), "BCDF-GHJK");
  EXPECT_FALSE(detail::normalize_user_code("BCDF-GHJ"));
  EXPECT_FALSE(detail::normalize_user_code("BCDF-GHJA")) << "vowels are not in the alphabet";
  EXPECT_FALSE(detail::normalize_user_code("BCDF-GHJ0"));
}

TEST(DeviceCodes, DeviceNames) {
  EXPECT_TRUE(detail::valid_device_name("build-box 2 ✓"));
  EXPECT_FALSE(detail::valid_device_name(""));
  EXPECT_FALSE(detail::valid_device_name(" padded"));
  EXPECT_FALSE(detail::valid_device_name("tab\there"));
  EXPECT_FALSE(detail::valid_device_name(std::string(65, 'a')));
}

TEST_F(DevicesApiTest, TheWholeGrantHandsOutOneTokenExactlyOnce) {
  const auto code = request_code();
  EXPECT_TRUE(std::regex_match(code["user_code"].get<std::string>(), std::regex("[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}")));
  EXPECT_EQ(code["expires_in"], 600);
  EXPECT_EQ(code["interval"], 5);
  EXPECT_EQ(code["verification_uri"], "https://issuer.test/device");
  EXPECT_EQ(code["verification_uri_complete"], "https://issuer.test/device?user_code=" + code["user_code"].get<std::string>());
  const std::string device_code = code["device_code"];

  auto r = poll(device_code);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "authorization_pending");
  now_ += 1000;
  EXPECT_EQ(error_of(poll(device_code)), "slow_down") << "polled 1 s after the last poll";
  now_ += 5000;
  EXPECT_EQ(error_of(poll(device_code)), "authorization_pending");

  EXPECT_EQ(approve(code["user_code"], member_).status, 204);
  now_ += 1000;
  EXPECT_EQ(error_of(poll(device_code)), "slow_down") << "an approval does not excuse fast polling";
  now_ += 5000;
  r = poll(device_code);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.cacheable, false);
  const auto got = body(r);
  EXPECT_EQ(got["user_id"], member_.id);
  EXPECT_EQ(got["tenant_id"], detail::id_hex(tenant_id("acme")));
  EXPECT_EQ(got["device_token"].get<std::string>().rfind("bwdt_", 0), 0u);

  now_ += 5000;
  r = poll(device_code);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "expired_token") << "the approval is handed out once";

  const auto self = call("GET", "/v1/device/self", nullptr, got["device_token"]);
  ASSERT_EQ(self.status, 200) << self.body;
  EXPECT_EQ(body(self)["device_id"], got["device_id"]);
  EXPECT_EQ(body(self)["user_id"], member_.id);
  EXPECT_EQ(body(self)["kind"], "agent");
  EXPECT_EQ(body(self)["name"], "build-box");
  EXPECT_TRUE(audited("device_grant_approved"));
  EXPECT_TRUE(audited("device_registered"));
}

TEST_F(DevicesApiTest, TheApproverSeesWhichDeviceAsksBeforeApproving) {
  const auto code = request_code("desk-in-room-4");
  const std::string user_code = code["user_code"];
  const auto seen = call("POST", "/v1/device/lookup", {{"user_code", user_code}}, member_.access);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(body(seen)["device_name"], "desk-in-room-4");
  EXPECT_EQ(body(seen)["requested_at"], now_);
  EXPECT_EQ(body(seen)["expires_at"], now_ + 600'000);
  EXPECT_EQ(seen.body.find("device_code"), std::string::npos) << "never the agent's secret";
  EXPECT_EQ(error_of(poll(code["device_code"])), "authorization_pending") << "looking is not approving";
  const auto failures = lockout_->address_failures.size();
  const auto wrong = call("POST", "/v1/device/lookup", {{"user_code", "BCDF-BCDF"}}, member_.access);
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(error_of(wrong), "invalid_user_code");
  EXPECT_EQ(lockout_->address_failures.size(), failures + 1) << "a wrong code is a counted guess";
  EXPECT_EQ(call("POST", "/v1/device/lookup", {{"user_code", user_code}}, viewer_.access).status, 403);
  lockout_->locked = true;
  EXPECT_EQ(call("POST", "/v1/device/lookup", {{"user_code", user_code}}, member_.access).status, 429);
  lockout_->locked = false;
  ASSERT_EQ(approve(user_code, member_).status, 204);
  EXPECT_EQ(call("POST", "/v1/device/lookup", {{"user_code", user_code}}, member_.access).status, 400)
      << "only pending requests are shown";
}

TEST_F(DevicesApiTest, ApprovalIgnoresCaseAndDashes) {
  const auto code = request_code();
  std::string typed = code["user_code"];
  typed.erase(4, 1);
  std::transform(typed.begin(), typed.end(), typed.begin(), [](char c) { return static_cast<char>(c - 'A' + 'a'); });
  EXPECT_EQ(approve(typed, member_).status, 204);
  EXPECT_EQ(poll(code["device_code"]).status, 200);
}

TEST_F(DevicesApiTest, ADeniedGrantAnswersAccessDeniedAndCannotBeApprovedAfter) {
  const auto code = request_code();
  EXPECT_EQ(call("POST", "/v1/device/deny", {{"user_code", code["user_code"]}}, member_.access).status, 204);
  EXPECT_EQ(error_of(poll(code["device_code"])), "access_denied");
  const auto r = approve(code["user_code"], member_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "invalid_user_code");
  now_ += 5000;
  EXPECT_EQ(error_of(poll(code["device_code"])), "access_denied");
  EXPECT_TRUE(audited("device_grant_denied"));
}

TEST_F(DevicesApiTest, AnExpiredGrantCanNeitherBeApprovedNorPolled) {
  const auto code = request_code();
  now_ += 600'000;
  const auto fresh = sign_in("acme", "max");  // access tokens live 5 minutes
  EXPECT_EQ(error_of(approve(code["user_code"], fresh)), "invalid_user_code");
  EXPECT_EQ(error_of(poll(code["device_code"])), "expired_token");
}

TEST_F(DevicesApiTest, AnApprovalExpiresIfNotCollectedInTime) {
  const auto code = request_code();
  EXPECT_EQ(approve(code["user_code"], member_).status, 204);
  now_ += 600'000;
  EXPECT_EQ(error_of(poll(code["device_code"])), "expired_token");
}

TEST_F(DevicesApiTest, UnknownOrMalformedDeviceCodesAreInvalidGrants) {
  for (const std::string c : {"junk", "bwot_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "bwdt_x"}) {
    const auto r = poll(c);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(error_of(r), "invalid_grant") << c;
  }
  EXPECT_EQ(error_of(call("POST", "/v1/device/token", {{"code", "x"}})), "invalid_request");
  EXPECT_EQ(error_of(call("POST", "/v1/device/token", {{"device_code", 5}})), "invalid_request");
}

TEST_F(DevicesApiTest, WrongUserCodesCountAgainstTheAddressAndTheUser) {
  const auto code = request_code();
  lockout_->accounts.clear();
  lockout_->cleared.clear();  // the logins of SetUp
  const auto r = approve("BCDF-GHJK", member_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "invalid_user_code");
  EXPECT_EQ(r.body.find("BCDF"), std::string::npos) << "the code is never echoed";
  EXPECT_EQ(lockout_->address_failures, std::vector<std::string>{kPeer});
  ASSERT_EQ(lockout_->accounts.size(), 1u);
  EXPECT_EQ(lockout_->accounts[0].find(member_.id), std::string::npos) << "the subject is a hash";
  EXPECT_TRUE(lockout_->cleared.empty());

  lockout_->locked = true;  // the brute force reached the lockout: even the right code is refused
  const auto locked = approve(code["user_code"], member_);
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(error_of(poll(code["device_code"])), "authorization_pending");
  lockout_->locked = false;
  lockout_->unavailable = true;
  EXPECT_EQ(approve(code["user_code"], member_).status, 503) << "fails closed";
  lockout_->unavailable = false;
  EXPECT_EQ(approve(code["user_code"], member_).status, 204);
  EXPECT_EQ(lockout_->cleared.size(), 1u) << "a success clears the user's count";
}

TEST_F(DevicesApiTest, MalformedUserCodesAreRefusedWithoutEchoing) {
  for (const json& typed : {json("AEIO-UAEI"), json("BCDF"), json(42), json(std::string(40, 'B'))}) {
    const auto r = call("POST", "/v1/device/approve", {{"user_code", typed}}, member_.access);
    EXPECT_EQ(r.status, 400) << typed;
    EXPECT_EQ(error_of(r), "invalid_request");
    EXPECT_EQ(r.body.find("AEIO"), std::string::npos);
  }
}

TEST_F(DevicesApiTest, AViewerCannotApproveOrDeny) {
  const auto code = request_code();
  EXPECT_EQ(approve(code["user_code"], viewer_).status, 403);
  EXPECT_EQ(call("POST", "/v1/device/deny", {{"user_code", code["user_code"]}}, viewer_.access).status, 403);
  EXPECT_EQ(error_of(poll(code["device_code"])), "authorization_pending");
  EXPECT_EQ(call("POST", "/v1/device/approve", {{"user_code", code["user_code"]}}).status, 401);
}

TEST_F(DevicesApiTest, AnApproverDisabledBeforeThePollGetsNoDevice) {
  const auto code = request_code();
  ASSERT_EQ(approve(code["user_code"], member_).status, 204);
  ASSERT_TRUE(store_->disable_user(tenant_id("acme"), *detail::parse_id(member_.id), now_));
  EXPECT_EQ(error_of(poll(code["device_code"])), "access_denied");
  EXPECT_FALSE(audited("device_registered"));
}

TEST_F(DevicesApiTest, CodeRequestsAreBoundedPerAddress) {
  lockout_->accounts.clear();
  request_code();
  ASSERT_EQ(lockout_->accounts.size(), 1u);
  EXPECT_EQ(lockout_->addresses.back(), kPeer);
  EXPECT_EQ(lockout_->accounts[0].find(kPeer), std::string::npos);
  lockout_->locked = true;
  auto r = call("POST", "/v1/device/code", {{"name", "box"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body.find("device_code"), std::string::npos);
  lockout_->locked = false;
  lockout_->unavailable = true;
  EXPECT_EQ(call("POST", "/v1/device/code", {{"name", "box"}}).status, 503);
}

TEST_F(DevicesApiTest, DeviceNamesAreValidated) {
  for (const json& b : {json{{"name", ""}}, json{{"name", "a\nb"}}, json{{"name", std::string(65, 'a')}},
                        json{{"name", "box"}, {"extra", 1}}, json::object()}) {
    const auto r = call("POST", "/v1/device/code", b);
    EXPECT_EQ(r.status, 400) << b;
    EXPECT_EQ(error_of(r), "invalid_request");
  }
}

TEST_F(DevicesApiTest, RevokingADeviceKillsItsTokenAtOnce) {
  const auto agent = register_agent(member_);
  ASSERT_EQ(call("GET", "/v1/device/self", nullptr, agent.token).status, 200);
  EXPECT_EQ(call("DELETE", "/v1/devices/" + agent.device_id, nullptr, member_.access).status, 204);
  const auto r = call("GET", "/v1/device/self", nullptr, agent.token);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_of(r), "invalid_token");
  EXPECT_TRUE(audited("device_revoked"));
  EXPECT_EQ(call("DELETE", "/v1/devices/" + agent.device_id, nullptr, member_.access).status, 204) << "idempotent";
  const auto list = body(call("GET", "/v1/devices", nullptr, member_.access));
  ASSERT_EQ(list["devices"].size(), 1u);
  EXPECT_FALSE(list["devices"][0]["revoked_at"].is_null());
}

TEST_F(DevicesApiTest, DeviceTokensOfDisabledUsersUnknownOrMalformedAreRefused) {
  const auto agent = register_agent(member_);
  for (const std::string& bad : {std::string("bwdt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), std::string("junk"),
                                member_.access}) {
    EXPECT_EQ(call("GET", "/v1/device/self", nullptr, bad).status, 401) << bad;
  }
  EXPECT_EQ(call("GET", "/v1/device/self").status, 401);
  ASSERT_TRUE(store_->disable_user(tenant_id("acme"), *detail::parse_id(member_.id), now_));
  EXPECT_EQ(call("GET", "/v1/device/self", nullptr, agent.token).status, 401);
}

TEST_F(DevicesApiTest, AUserTokenIsNotADeviceTokenAndBack) {
  const auto agent = register_agent(member_);
  EXPECT_EQ(call("GET", "/v1/devices", nullptr, agent.token).status, 401);
}

TEST_F(DevicesApiTest, ListingIsOwnDevicesUnlessAdmin) {
  const auto agent = register_agent(member_, "max-box");
  register_agent(owner_, "alice-box");
  auto mine = body(call("GET", "/v1/devices", nullptr, member_.access));
  ASSERT_EQ(mine["devices"].size(), 1u);
  EXPECT_EQ(mine["devices"][0]["device_id"], agent.device_id);
  EXPECT_EQ(mine["devices"][0]["name"], "max-box");
  EXPECT_EQ(body(call("GET", "/v1/devices", nullptr, viewer_.access))["devices"].size(), 0u);
  EXPECT_EQ(call("GET", "/v1/devices", nullptr, member_.access, "user=" + owner_.id).status, 403);
  EXPECT_EQ(call("GET", "/v1/devices", nullptr, viewer_.access, "user=" + member_.id).status, 403);
  EXPECT_EQ(call("GET", "/v1/devices", nullptr, member_.access, "user=" + member_.id).status, 200);
  const auto theirs = call("GET", "/v1/devices", nullptr, admin_.access, "user=" + member_.id);
  ASSERT_EQ(theirs.status, 200);
  EXPECT_EQ(body(theirs)["devices"].size(), 1u);
  EXPECT_EQ(call("GET", "/v1/devices", nullptr, admin_.access, "user=nope").status, 400);
  EXPECT_EQ(call("GET", "/v1/devices", nullptr, admin_.access, "owner=" + member_.id).status, 400);
}

TEST_F(DevicesApiTest, OnlyTheOwnerOrWhoMayManageTheOwnerManagesADevice) {
  const auto members = register_agent(member_);
  const auto owners = register_agent(owner_);
  const auto admins = register_agent(admin_);
  EXPECT_EQ(call("DELETE", "/v1/devices/" + owners.device_id, nullptr, member_.access).status, 403);
  EXPECT_EQ(call("PATCH", "/v1/devices/" + owners.device_id, {{"name", "x"}}, viewer_.access).status, 403);
  EXPECT_EQ(call("DELETE", "/v1/devices/" + owners.device_id, nullptr, admin_.access).status, 403) << "owner outranks admin";
  const auto peer = add_user("acme", "adele", store::Role::kAdmin);
  const auto peers = register_agent(peer);
  EXPECT_EQ(call("DELETE", "/v1/devices/" + peers.device_id, nullptr, admin_.access).status, 403)
      << "an admin does not manage another admin's devices";
  EXPECT_EQ(call("PATCH", "/v1/devices/" + peers.device_id, {{"name", "mine"}}, admin_.access).status, 403);
  EXPECT_EQ(call("GET", "/v1/device/self", nullptr, peers.token).status, 200);
  EXPECT_EQ(call("DELETE", "/v1/devices/" + admins.device_id, nullptr, member_.access).status, 403);
  EXPECT_EQ(call("GET", "/v1/device/self", nullptr, owners.token).status, 200);
  EXPECT_EQ(call("DELETE", "/v1/devices/" + members.device_id, nullptr, admin_.access).status, 204);
  EXPECT_EQ(call("DELETE", "/v1/devices/" + admins.device_id, nullptr, owner_.access).status, 204);
  EXPECT_EQ(call("GET", "/v1/device/self", nullptr, admins.token).status, 401);
}

TEST_F(DevicesApiTest, RenameValidatesAndRefusesRevokedDevices) {
  const auto agent = register_agent(member_);
  auto r = call("PATCH", "/v1/devices/" + agent.device_id, {{"name", "laptop"}}, member_.access);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r)["name"], "laptop");
  EXPECT_EQ(body(call("GET", "/v1/device/self", nullptr, agent.token))["name"], "laptop");
  EXPECT_EQ(call("PATCH", "/v1/devices/" + agent.device_id, {{"name", "\x01"}}, member_.access).status, 400);
  EXPECT_EQ(call("PATCH", "/v1/devices/" + agent.device_id, {{"nom", "x"}}, member_.access).status, 400);
  ASSERT_EQ(call("DELETE", "/v1/devices/" + agent.device_id, nullptr, member_.access).status, 204);
  EXPECT_EQ(call("PATCH", "/v1/devices/" + agent.device_id, {{"name", "again"}}, member_.access).status, 409);
}

TEST_F(DevicesApiTest, AnotherTenantsIdsAreNotFoundOnEveryEndpoint) {
  const auto theirs = register_agent(other_owner_);
  const auto mine = register_agent(owner_);
  const std::string path = "/v1/devices/" + theirs.device_id;
  EXPECT_EQ(call("PATCH", path, {{"name", "x"}}, owner_.access).status, 404);
  EXPECT_EQ(call("DELETE", path, nullptr, owner_.access).status, 404);
  EXPECT_EQ(call("GET", "/v1/devices", nullptr, owner_.access, "user=" + other_owner_.id).status, 404);
  EXPECT_EQ(call("PATCH", "/v1/devices/" + mine.device_id, {{"name", "x"}}, other_owner_.access).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/devices/" + mine.device_id, nullptr, other_owner_.access).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/devices/0123456789abcdef0123456789abcdef", nullptr, owner_.access).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/devices/not-an-id", nullptr, owner_.access).status, 404);
  EXPECT_EQ(call("GET", "/v1/device/self", nullptr, theirs.token).status, 200) << "untouched";
  const auto self = body(call("GET", "/v1/device/self", nullptr, mine.token));
  EXPECT_EQ(self["tenant_id"], detail::id_hex(tenant_id("acme")));
}

TEST_F(DevicesApiTest, AGrantApprovedInOneTenantRegistersThereOnly) {
  const auto code = request_code();
  ASSERT_EQ(approve(code["user_code"], other_owner_).status, 204);
  EXPECT_EQ(approve(code["user_code"], owner_).status, 400) << "already decided";
  const auto r = poll(code["device_code"]);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body(r)["tenant_id"], detail::id_hex(tenant_id("beta")));
  EXPECT_EQ(body(call("GET", "/v1/devices", nullptr, owner_.access))["devices"].size(), 0u);
}

TEST_F(DevicesApiTest, EveryOutcomeMovesAMetricWithoutIds) {
  const auto code = request_code();
  EXPECT_EQ(error_of(poll(code["device_code"])), "authorization_pending");
  EXPECT_EQ(approve("BCDF-GHJK", member_).status, 400);
  EXPECT_EQ(approve(code["user_code"], member_).status, 204);
  now_ += 5000;
  const auto r = poll(code["device_code"]);
  ASSERT_EQ(r.status, 200);
  const std::string device_id = body(r)["device_id"];
  EXPECT_EQ(call("DELETE", "/v1/devices/" + device_id, nullptr, viewer_.access).status, 403);
  const std::string text = metrics_.serialize();
  const auto has = [&](const std::string& family, const std::string& labels) {
    return std::regex_search(text, std::regex("breakwater_auth_" + family + "_total\\{[^}]*" + labels + "[^}]*\\} 1\\b"));
  };
  EXPECT_TRUE(has("device_codes", "result=\"ok\"")) << text;
  EXPECT_TRUE(has("device_token_polls", "result=\"authorization_pending\""));
  EXPECT_TRUE(has("device_token_polls", "result=\"approved\""));
  EXPECT_TRUE(has("device_grant_decisions", "decision=\"approve\",result=\"wrong_code\""));
  EXPECT_TRUE(has("device_grant_decisions", "decision=\"approve\",result=\"ok\""));
  EXPECT_TRUE(has("device_actions", "action=\"revoke\",result=\"forbidden\""));
  EXPECT_EQ(text.find(device_id), std::string::npos);
  EXPECT_EQ(text.find(member_.id), std::string::npos);
}

TEST_F(DevicesApiTest, SecretsNeverReachLogsOrAuditPayloads) {
  std::vector<std::string> lines;
  log::set_sink([&](std::string_view line) { lines.emplace_back(line); });
  const auto code = request_code();
  const std::string user_code = code["user_code"];
  ASSERT_EQ(approve(user_code, member_).status, 204);
  const auto r = poll(code["device_code"]);
  ASSERT_EQ(r.status, 200);
  const std::string token = body(r)["device_token"];
  ASSERT_EQ(call("DELETE", "/v1/devices/" + body(r)["device_id"].get<std::string>(), nullptr, member_.access).status, 204);
  log::reset_sink();
  std::string canonical = user_code;
  canonical.erase(4, 1);
  std::vector<std::string> texts = lines;
  for (const auto& e : audit_events()) texts.push_back(to_string(e.payload));
  ASSERT_FALSE(texts.empty());
  for (const auto& text : texts) {
    for (const std::string& secret : {token, code["device_code"].get<std::string>(), user_code, canonical}) {
      EXPECT_EQ(text.find(secret), std::string::npos) << text;
    }
  }
}

}  // namespace
}  // namespace bw::auth::api
