// Users, roles and invitations (api/tenant.cpp, api/role_rules.cpp) in process: a real
// SQLite store in a temporary folder, a fake lockout, a recording revocation port and an
// injected clock. Two tenants: acme (owner alice, admin adam, member mia, viewer vic) and
// globex (owner gina, member gus); every user has the same password.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "api/role_rules.hpp"
#include "api_test_support.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/log/log.hpp"

namespace bw::auth::api {
namespace {

using nlohmann::json;
using store::Role;

constexpr const char* kNewPassword = "a brand new passphrase 77";
constexpr std::int64_t kWeekMs = 7LL * 24 * 3600 * 1000;

struct RecordingRevocations final : Revocations {
  Status publish(const store::Id& tenant_id, const store::Id& user_id, std::int64_t epoch) override {
    published.push_back({crypto::hex_encode(ByteView(tenant_id)) + crypto::hex_encode(ByteView(user_id)), epoch});
    return {};
  }
  Result<std::int64_t> current(const store::Id&, const store::Id&) override { return std::int64_t{0}; }
  std::vector<std::pair<std::string, std::int64_t>> published;
};

class TenantApiTest : public ApiTest {
 protected:
  TenantApiTest() { setup_.revocations = revocations_; }
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    acme_ = signup("acme", "alice");
    globex_ = signup("globex", "gina");
    add_user(acme_, "adam", Role::kAdmin);
    add_user(acme_, "mia", Role::kMember);
    add_user(acme_, "vic", Role::kViewer);
    add_user(globex_, "gus", Role::kMember);
  }

  store::Id signup(const std::string& slug, const std::string& login) {
    const auto r = post_signup(slug, login, login + "@" + slug + ".test");
    EXPECT_EQ(r.status, 201) << r.body;
    return tenant_id(slug);
  }
  void add_user(const store::Id& tenant, const std::string& login, Role role) {
    create_user(tenant, login, role, login + "@example.test");
  }
  store::User user(const store::Id& tenant, const std::string& login) { return *store_->find_user_by_login(tenant, login); }
  std::string uid(const store::Id& tenant, const std::string& login) {
    return crypto::hex_encode(ByteView(user(tenant, login).id));
  }
  json login(const std::string& slug, const std::string& login, const std::string& password = kPassword) {
    const auto r = post_login(slug, login, password);
    EXPECT_EQ(r.status, 200) << login << ": " << r.body;
    return r.status == 200 ? json::parse(r.body) : json::object();
  }
  // An access token for the user (signs in once per user and test).
  std::string token(const std::string& slug, const std::string& user_login) {
    auto& t = tokens_[slug + "/" + user_login];
    if (t.empty()) t = login(slug, user_login).value("access_token", "");
    return t;
  }
  http::Response as(const std::string& who, const std::string& method, const std::string& path, const json& body = nullptr) {
    const auto slash = who.find('/');
    return call(method, path, body, token(who.substr(0, slash), who.substr(slash + 1)));
  }
  std::vector<store::AuditEvent> audit() { return audit_events(); }
  std::optional<json> last_audit(const std::string& kind) {
    std::optional<json> found;
    for (const auto& e : audit()) {
      if (e.kind == kind) found = json::parse(to_string(e.payload));
    }
    return found;
  }
  // Creates an invitation as `who` and returns the 201 body.
  json invite(const std::string& who, const std::string& email, const std::string& role) {
    const auto r = as(who, "POST", "/v1/invitations", {{"email", email}, {"role", role}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? body(r) : json::object();
  }
  http::Response accept(const std::string& slug, const std::string& token, const std::string& login,
                        const std::string& password = kNewPassword) {
    return call("POST", "/v1/invitations/accept", {{"tenant", slug}, {"token", token}, {"login", login}, {"password", password}});
  }

  std::shared_ptr<RecordingRevocations> revocations_ = std::make_shared<RecordingRevocations>();
  store::Id acme_{}, globex_{};
  std::map<std::string, std::string> tokens_;
};

// --- role rules, the whole table

TEST(RoleRules, OwnersManageEveryoneAdminsOnlyMembersAndViewers) {
  for (Role target : {Role::kOwner, Role::kAdmin, Role::kMember, Role::kViewer}) {
    EXPECT_TRUE(may_manage(Role::kOwner, target));
    EXPECT_TRUE(may_grant(Role::kOwner, target));
    EXPECT_FALSE(may_manage(Role::kMember, target));
    EXPECT_FALSE(may_manage(Role::kViewer, target));
    EXPECT_FALSE(may_grant(Role::kMember, target));
  }
  EXPECT_FALSE(may_manage(Role::kAdmin, Role::kOwner));
  EXPECT_FALSE(may_manage(Role::kAdmin, Role::kAdmin));
  EXPECT_TRUE(may_manage(Role::kAdmin, Role::kMember));
  EXPECT_TRUE(may_manage(Role::kAdmin, Role::kViewer));
  EXPECT_FALSE(may_grant(Role::kAdmin, Role::kOwner));
  EXPECT_FALSE(may_grant(Role::kAdmin, Role::kAdmin));
  EXPECT_FALSE(may_change_role(Role::kAdmin, Role::kMember, Role::kAdmin, false));
  EXPECT_FALSE(may_change_role(Role::kAdmin, Role::kAdmin, Role::kViewer, false));
  EXPECT_TRUE(may_change_role(Role::kAdmin, Role::kMember, Role::kViewer, false));
}

TEST(RoleRules, OnOneselfOnlyStepsDown) {
  EXPECT_FALSE(may_change_role(Role::kAdmin, Role::kAdmin, Role::kOwner, true));
  EXPECT_FALSE(may_change_role(Role::kMember, Role::kMember, Role::kAdmin, true));
  EXPECT_TRUE(may_change_role(Role::kAdmin, Role::kAdmin, Role::kMember, true));
  EXPECT_TRUE(may_change_role(Role::kOwner, Role::kOwner, Role::kViewer, true));
  EXPECT_TRUE(may_disable(Role::kAdmin, Role::kAdmin, true));
  EXPECT_FALSE(may_disable(Role::kAdmin, Role::kAdmin, false));
}

// --- GET /v1/tenant

TEST_F(TenantApiTest, AnyRoleReadsItsOwnTenant) {
  const auto r = as("acme/vic", "GET", "/v1/tenant");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto b = body(r);
  EXPECT_EQ(b["tenant_id"], crypto::hex_encode(ByteView(acme_)));
  EXPECT_EQ(b["slug"], "acme");
  EXPECT_EQ(b["name"], "acme");
  EXPECT_EQ(b["mfa_required"], false);
  EXPECT_EQ(b["created_at"], now_) << "Unix milliseconds, like every time in the API";
  EXPECT_EQ(call("GET", "/v1/tenant").status, 401);
}

// --- GET /v1/users and /v1/users/{id}

TEST_F(TenantApiTest, AdminsListTheirTenantsUsersWithoutSecrets) {
  const auto r = as("acme/adam", "GET", "/v1/users");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto users = body(r)["users"];
  ASSERT_EQ(users.size(), 4u);
  std::set<std::string> logins;
  for (const auto& u : users) {
    logins.insert(u["login"]);
    EXPECT_EQ(u.size(), 6u) << u.dump();  // user_id, login, email, role, disabled, created_at
  }
  EXPECT_EQ(logins, (std::set<std::string>{"alice", "adam", "mia", "vic"}));
  for (const auto& u : users) EXPECT_EQ(u["role"] == "owner", u["login"] == "alice") << u.dump();
  EXPECT_EQ(r.body.find("argon2"), std::string::npos);
  EXPECT_EQ(r.body.find("epoch"), std::string::npos);
  EXPECT_EQ(r.body.find("gus"), std::string::npos);
}

TEST_F(TenantApiTest, MembersAndViewersCannotListUsers) {
  EXPECT_EQ(as("acme/mia", "GET", "/v1/users").status, 403);
  EXPECT_EQ(as("acme/vic", "GET", "/v1/users").status, 403);
}

TEST_F(TenantApiTest, EveryoneReadsThemselvesOnlyAdminsReadOthers) {
  const auto self = as("acme/vic", "GET", "/v1/users/" + uid(acme_, "vic"));
  ASSERT_EQ(self.status, 200);
  EXPECT_EQ(body(self)["role"], "viewer");
  EXPECT_EQ(as("acme/vic", "GET", "/v1/users/" + uid(acme_, "mia")).status, 403);
  EXPECT_EQ(as("acme/mia", "GET", "/v1/users/" + uid(acme_, "adam")).status, 403);
  const auto other = as("acme/adam", "GET", "/v1/users/" + uid(acme_, "mia"));
  ASSERT_EQ(other.status, 200);
  EXPECT_EQ(body(other)["login"], "mia");
  EXPECT_EQ(body(other)["email"], "mia@example.test");
}

TEST_F(TenantApiTest, AnotherTenantsUserIsNotFoundLikeAMissingOne) {
  const auto foreign = as("acme/alice", "GET", "/v1/users/" + uid(globex_, "gus"));
  EXPECT_EQ(foreign.status, 404);
  const auto missing = as("acme/alice", "GET", "/v1/users/" + std::string(32, '0'));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(foreign.body, missing.body);
  EXPECT_EQ(as("acme/alice", "GET", "/v1/users/not-an-id").status, 404);
}

// --- PATCH /v1/users/{id}

TEST_F(TenantApiTest, MembersAndViewersCannotChangeRoles) {
  EXPECT_EQ(as("acme/mia", "PATCH", "/v1/users/" + uid(acme_, "vic"), {{"role", "member"}}).status, 403);
  EXPECT_EQ(as("acme/vic", "PATCH", "/v1/users/" + uid(acme_, "vic"), {{"role", "member"}}).status, 403);
  EXPECT_EQ(as("acme/mia", "PATCH", "/v1/users/" + uid(acme_, "mia"), {{"role", "admin"}}).status, 403);
  EXPECT_EQ(user(acme_, "vic").role, Role::kViewer);
  EXPECT_EQ(user(acme_, "mia").role, Role::kMember);
}

TEST_F(TenantApiTest, AnAdminCannotTouchAnOwnerOrGrantAdmin) {
  EXPECT_EQ(as("acme/adam", "PATCH", "/v1/users/" + uid(acme_, "alice"), {{"role", "viewer"}}).status, 403);
  EXPECT_EQ(as("acme/adam", "PATCH", "/v1/users/" + uid(acme_, "mia"), {{"role", "admin"}}).status, 403);
  EXPECT_EQ(as("acme/adam", "PATCH", "/v1/users/" + uid(acme_, "mia"), {{"role", "owner"}}).status, 403);
  EXPECT_EQ(as("acme/adam", "PATCH", "/v1/users/" + uid(acme_, "adam"), {{"role", "owner"}}).status, 403);
  EXPECT_EQ(user(acme_, "alice").role, Role::kOwner);
  EXPECT_EQ(user(acme_, "mia").role, Role::kMember);
  EXPECT_EQ(user(acme_, "adam").role, Role::kAdmin);
  EXPECT_FALSE(last_audit("role_changed"));
  const auto r = as("acme/adam", "PATCH", "/v1/users/" + uid(acme_, "mia"), {{"role", "viewer"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r)["role"], "viewer");
  EXPECT_EQ(user(acme_, "mia").role, Role::kViewer);
}

TEST_F(TenantApiTest, AnOwnerPromotesAndTheChangeIsAudited) {
  const auto r = as("acme/alice", "PATCH", "/v1/users/" + uid(acme_, "mia"), {{"role", "owner"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(user(acme_, "mia").role, Role::kOwner);
  const auto event = last_audit("role_changed");
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["user_id"], uid(acme_, "mia"));
  EXPECT_EQ((*event)["from"], "member");
  EXPECT_EQ((*event)["to"], "owner");
  EXPECT_EQ((*event)["by"], uid(acme_, "alice"));
  EXPECT_EQ(as("acme/mia", "GET", "/v1/users").status, 200) << "the new role counts at once";
}

TEST_F(TenantApiTest, ADemotionKillsTheOldAccessTokenAtOnce) {
  const std::string before = token("acme", "adam");
  ASSERT_EQ(call("GET", "/v1/users", nullptr, before).status, 200);
  ASSERT_EQ(as("acme/alice", "PATCH", "/v1/users/" + uid(acme_, "adam"), {{"role", "member"}}).status, 200);
  EXPECT_EQ(call("GET", "/v1/me", nullptr, before).status, 401);
  ASSERT_FALSE(revocations_->published.empty());
  EXPECT_EQ(revocations_->published.back().second, user(acme_, "adam").revoke_epoch);
  tokens_.clear();
  EXPECT_EQ(as("acme/adam", "GET", "/v1/users").status, 403);
}

TEST_F(TenantApiTest, TheLastOwnerCannotBeDemotedOrDisabled) {
  const std::string alice = uid(acme_, "alice");
  const auto demote = as("acme/alice", "PATCH", "/v1/users/" + alice, {{"role", "admin"}});
  EXPECT_EQ(demote.status, 409);
  EXPECT_EQ(body(demote)["error"], "last_owner");
  const auto disable = as("acme/alice", "POST", "/v1/users/" + alice + "/disable");
  EXPECT_EQ(disable.status, 409);
  EXPECT_EQ(user(acme_, "alice").role, Role::kOwner);
  EXPECT_FALSE(user(acme_, "alice").disabled_at);
  EXPECT_EQ(as("acme/alice", "GET", "/v1/me").status, 200);
  // With a second owner, the first may step down.
  ASSERT_EQ(as("acme/alice", "PATCH", "/v1/users/" + uid(acme_, "mia"), {{"role", "owner"}}).status, 200);
  EXPECT_EQ(as("acme/alice", "PATCH", "/v1/users/" + alice, {{"role", "admin"}}).status, 200);
  EXPECT_EQ(as("acme/mia", "PATCH", "/v1/users/" + uid(acme_, "mia"), {{"role", "admin"}}).status, 409);
}

TEST_F(TenantApiTest, RoleChangesOnAnotherTenantsUserAreNotFoundAndChangeNothing) {
  const std::string gus = uid(globex_, "gus");
  EXPECT_EQ(as("acme/alice", "PATCH", "/v1/users/" + gus, {{"role", "viewer"}}).status, 404);
  EXPECT_EQ(as("acme/adam", "PATCH", "/v1/users/" + gus, {{"role", "viewer"}}).status, 404);
  EXPECT_EQ(as("acme/alice", "PATCH", "/v1/users/" + uid(globex_, "gina"), {{"role", "viewer"}}).status, 404);
  EXPECT_EQ(user(globex_, "gus").role, Role::kMember);
  EXPECT_EQ(user(globex_, "gina").role, Role::kOwner);
  EXPECT_FALSE(last_audit("role_changed"));
}

TEST_F(TenantApiTest, MalformedRoleChangesNameTheField) {
  const std::string mia = "/v1/users/" + uid(acme_, "mia");
  const auto bad = as("acme/alice", "PATCH", mia, {{"role", "root"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(body(bad)["message"].get<std::string>().find("role"), std::string::npos);
  EXPECT_EQ(as("acme/alice", "PATCH", mia, {{"role", "viewer"}, {"extra", "x"}}).status, 400);
  EXPECT_EQ(as("acme/alice", "PATCH", mia, json::object()).status, 400);
  EXPECT_EQ(user(acme_, "mia").role, Role::kMember);
}

// --- POST /v1/users/{id}/disable

TEST_F(TenantApiTest, MembersAndViewersCannotDisable) {
  EXPECT_EQ(as("acme/mia", "POST", "/v1/users/" + uid(acme_, "vic") + "/disable").status, 403);
  EXPECT_EQ(as("acme/vic", "POST", "/v1/users/" + uid(acme_, "mia") + "/disable").status, 403);
  EXPECT_FALSE(user(acme_, "vic").disabled_at);
  EXPECT_FALSE(user(acme_, "mia").disabled_at);
}

TEST_F(TenantApiTest, AnAdminCannotDisableAnOwnerOrAnotherAdmin) {
  add_user(acme_, "ada", Role::kAdmin);
  EXPECT_EQ(as("acme/adam", "POST", "/v1/users/" + uid(acme_, "alice") + "/disable").status, 403);
  EXPECT_EQ(as("acme/adam", "POST", "/v1/users/" + uid(acme_, "ada") + "/disable").status, 403);
  EXPECT_FALSE(user(acme_, "alice").disabled_at);
  EXPECT_FALSE(user(acme_, "ada").disabled_at);
  EXPECT_EQ(as("acme/alice", "POST", "/v1/users/" + uid(acme_, "ada") + "/disable").status, 200);
  EXPECT_TRUE(user(acme_, "ada").disabled_at);
}

TEST_F(TenantApiTest, ADisabledUsersTokensStopWorkingAtOnce) {
  const auto session = login("acme", "mia");
  const std::string access = session["access_token"];
  ASSERT_EQ(call("GET", "/v1/me", nullptr, access).status, 200);
  const auto r = as("acme/adam", "POST", "/v1/users/" + uid(acme_, "mia") + "/disable");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r)["disabled"], true);
  EXPECT_EQ(body(r)["immediate"], true);
  EXPECT_EQ(call("GET", "/v1/me", nullptr, access).status, 401);
  EXPECT_EQ(call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", session["refresh_token"]}}).status, 401);
  EXPECT_EQ(call("POST", "/v1/login", {{"tenant", "acme"}, {"login", "mia"}, {"password", kPassword}}).status, 401);
  ASSERT_EQ(revocations_->published.size(), 1u);
  EXPECT_EQ(revocations_->published[0].first, crypto::hex_encode(ByteView(acme_)) + uid(acme_, "mia"));
  EXPECT_EQ(revocations_->published[0].second, user(acme_, "mia").revoke_epoch);
  const auto event = last_audit("user_disabled");
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["user_id"], uid(acme_, "mia"));
  EXPECT_EQ((*event)["by"], uid(acme_, "adam"));
}

TEST_F(TenantApiTest, DisablingAnotherTenantsUserIsNotFoundAndChangesNothing) {
  const std::string gus_token = token("globex", "gus");
  const auto r = as("acme/alice", "POST", "/v1/users/" + uid(globex_, "gus") + "/disable");
  EXPECT_EQ(r.status, 404);
  EXPECT_FALSE(user(globex_, "gus").disabled_at);
  EXPECT_EQ(call("GET", "/v1/me", nullptr, gus_token).status, 200);
  EXPECT_TRUE(revocations_->published.empty());
  EXPECT_FALSE(last_audit("user_disabled"));
}

// --- invitations

TEST_F(TenantApiTest, MembersAndViewersCannotInvite) {
  EXPECT_EQ(as("acme/mia", "POST", "/v1/invitations", {{"email", "x@acme.test"}, {"role", "viewer"}}).status, 403);
  EXPECT_EQ(as("acme/vic", "POST", "/v1/invitations", {{"email", "x@acme.test"}, {"role", "viewer"}}).status, 403);
  EXPECT_FALSE(last_audit("invitation_created"));
}

TEST_F(TenantApiTest, AnAdminCannotInviteAnAdminOrOwnerAndNobodyInvitesAnOwner) {
  EXPECT_EQ(as("acme/adam", "POST", "/v1/invitations", {{"email", "x@acme.test"}, {"role", "admin"}}).status, 403);
  EXPECT_EQ(as("acme/adam", "POST", "/v1/invitations", {{"email", "x@acme.test"}, {"role", "owner"}}).status, 403);
  const auto owner = as("acme/alice", "POST", "/v1/invitations", {{"email", "x@acme.test"}, {"role", "owner"}});
  EXPECT_EQ(owner.status, 400);
  EXPECT_NE(body(owner)["message"].get<std::string>().find("role"), std::string::npos);
  EXPECT_FALSE(last_audit("invitation_created"));
  EXPECT_EQ(invite("acme/alice", "x@acme.test", "admin")["role"], "admin");
  EXPECT_EQ(as("acme/alice", "POST", "/v1/invitations", {{"email", "not an address"}, {"role", "member"}}).status, 400);
}

TEST_F(TenantApiTest, AnInvitationIsAcceptedExactlyOnce) {
  const auto inv = invite("acme/adam", "New@Acme.test", "member");
  const std::string t = inv["token"];
  EXPECT_EQ(t.rfind("bwot_", 0), 0u);
  EXPECT_EQ(inv["expires_at"], now_ + kWeekMs);
  const auto cleared_before = lockout_->cleared.size();
  const auto first = accept("ACME", t, "Newbie");
  EXPECT_EQ(lockout_->cleared.size(), cleared_before + 1) << "a success clears the token's count";
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(body(first)["tenant_id"], crypto::hex_encode(ByteView(acme_)));
  const auto created = user(acme_, "newbie");
  EXPECT_EQ(body(first)["user_id"], crypto::hex_encode(ByteView(created.id)));
  EXPECT_EQ(created.email, "new@acme.test");
  EXPECT_EQ(created.role, Role::kMember);
  EXPECT_EQ(login("acme", "newbie", kNewPassword).count("access_token"), 1u);
  const auto second = accept("acme", t, "newbie2");
  EXPECT_EQ(second.status, 404);
  EXPECT_EQ(body(second)["error"], "invalid_invitation");
  EXPECT_FALSE(store_->find_user_by_login(acme_, "newbie2"));
  const auto event = last_audit("invitation_accepted");
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["user_id"], uid(acme_, "newbie"));
  EXPECT_EQ((*event)["role"], "member");
}

TEST_F(TenantApiTest, UsedExpiredUnknownAndForeignTokensAllAnswerTheSame) {
  const std::string used = invite("acme/alice", "a@acme.test", "viewer")["token"];
  ASSERT_EQ(accept("acme", used, "usedup").status, 201);
  const std::string foreign = invite("acme/alice", "b@acme.test", "viewer")["token"];
  const std::string expired = invite("acme/alice", "c@acme.test", "viewer")["token"];
  const auto refused_used = accept("acme", used, "again");
  const auto refused_foreign = accept("globex", foreign, "intruder");
  const auto refused_unknown = accept("acme", authcore::generate_token(authcore::TokenKind::kOneTime), "guess");
  const auto refused_malformed = accept("acme", "bwot_short", "guess");
  const auto refused_tenant = accept("nosuch", foreign, "guess");
  EXPECT_FALSE(store_->find_user_by_login(globex_, "intruder"));
  now_ += kWeekMs;
  const auto refused_expired = accept("acme", expired, "late");
  for (const auto* r : {&refused_used, &refused_foreign, &refused_unknown, &refused_malformed, &refused_tenant,
                        &refused_expired}) {
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(r->body, refused_used.body);
  }
  EXPECT_EQ(lockout_->address_failures.size(), 6u) << "every refusal counts against the address";
  now_ -= kWeekMs;
  EXPECT_EQ(accept("acme", foreign, "rightful").status, 201) << "a wrong-tenant attempt does not consume it";
}

TEST_F(TenantApiTest, AcceptingNeedsAStrongPasswordAndKeepsTheInvitationOtherwise) {
  const std::string t = invite("acme/alice", "carol@acme.test", "member")["token"];
  const auto weak = accept("acme", t, "carol", "carol@acme.test");
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(body(weak)["error"], "weak_password");
  EXPECT_EQ(weak.body.find("carol@acme.test"), std::string::npos);
  EXPECT_EQ(accept("acme", t, "carol", "password").status, 400);
  const auto taken = accept("acme", t, "mia");
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(accept("acme", t, "carol").status, 201);
}

TEST_F(TenantApiTest, ABannedAddressIsRefusedEvenWithAValidToken) {
  const std::string t = invite("acme/alice", "dan@acme.test", "member")["token"];
  lockout_->banned.insert(peer_);
  const auto r = accept("acme", t, "dan");
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(store_->find_user_by_login(acme_, "dan"));
  lockout_->banned.clear();
  lockout_->unavailable = true;
  EXPECT_EQ(accept("acme", t, "dan").status, 503);
  lockout_->unavailable = false;
  EXPECT_EQ(accept("acme", t, "dan").status, 201);
  for (const auto& subject : lockout_->accounts) {
    EXPECT_EQ(subject.size(), 64u);
    EXPECT_EQ(subject.find(t.substr(5, 16)), std::string::npos);
  }
}

TEST_F(TenantApiTest, DisablingTheInviterWithdrawsTheirInvitations) {
  const std::string t = invite("acme/adam", "eve@acme.test", "member")["token"];
  ASSERT_EQ(as("acme/alice", "POST", "/v1/users/" + uid(acme_, "adam") + "/disable").status, 200);
  EXPECT_EQ(accept("acme", t, "eve").status, 404);
  EXPECT_FALSE(store_->find_user_by_login(acme_, "eve"));
}

TEST_F(TenantApiTest, DemotingTheInviterBelowTheInvitedRoleWithdrawsTheInvitation) {
  ASSERT_EQ(as("acme/alice", "PATCH", "/v1/users/" + uid(acme_, "mia"), {{"role", "owner"}}).status, 200);
  const std::string admin_invite = invite("acme/alice", "gil@acme.test", "admin")["token"];
  const std::string member_invite = invite("acme/alice", "hal@acme.test", "member")["token"];
  ASSERT_EQ(as("acme/mia", "PATCH", "/v1/users/" + uid(acme_, "alice"), {{"role", "admin"}}).status, 200);
  EXPECT_EQ(accept("acme", admin_invite, "gil").status, 404) << "an admin may no longer grant admin";
  EXPECT_FALSE(store_->find_user_by_login(acme_, "gil"));
  EXPECT_EQ(accept("acme", member_invite, "hal").status, 201) << "but may still grant member";
}

TEST_F(TenantApiTest, AnAdminMayDisableThemselves) {
  const std::string access = token("acme", "adam");
  const auto r = call("POST", "/v1/users/" + uid(acme_, "adam") + "/disable", json::object(), access);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(user(acme_, "adam").disabled_at);
  EXPECT_EQ(call("GET", "/v1/me", nullptr, access).status, 401);
  EXPECT_EQ(as("acme/alice", "POST", "/v1/users/" + uid(acme_, "adam") + "/disable").status, 200) << "idempotent";
  EXPECT_EQ(revocations_->published.size(), 1u) << "a second disable writes nothing";
}

TEST_F(TenantApiTest, TheInvitationTokenIsNeverLoggedOrAudited) {
  std::mutex mu;
  std::vector<std::string> lines;
  log::set_level(log::Level::kDebug);
  log::set_sink([&](std::string_view line) {
    std::lock_guard lock(mu);
    lines.emplace_back(line);
  });
  const std::string t = invite("acme/alice", "fay@acme.test", "viewer")["token"];
  ASSERT_EQ(accept("acme", t, "fay", "fay@acme.test").status, 400);
  ASSERT_EQ(accept("globex", t, "fay").status, 404);
  ASSERT_EQ(accept("acme", t, "fay").status, 201);
  ASSERT_EQ(accept("acme", t, "fay2").status, 404);
  log::reset_sink();
  log::set_level(log::Level::kInfo);
  const std::string tail = t.substr(5, 20);
  EXPECT_FALSE(lines.empty());
  for (const auto& line : lines) {
    EXPECT_EQ(line.find(tail), std::string::npos) << line;
    EXPECT_EQ(line.find("bwot_"), std::string::npos) << line;
  }
  for (const auto& e : audit()) {
    const std::string payload = to_string(e.payload);
    EXPECT_EQ(payload.find(tail), std::string::npos) << e.kind;
    EXPECT_EQ(payload.find("bwot_"), std::string::npos) << e.kind;
  }
  ASSERT_TRUE(last_audit("invitation_created"));
  ASSERT_TRUE(last_audit("invitation_accepted"));
}

TEST_F(TenantApiTest, OutcomesAreCountedByResultWithoutIds) {
  const std::string t = invite("acme/alice", "ivy@acme.test", "viewer")["token"];
  ASSERT_EQ(accept("acme", t, "ivy").status, 201);
  ASSERT_EQ(accept("acme", t, "ivy2").status, 404);
  ASSERT_EQ(as("acme/adam", "POST", "/v1/invitations", {{"email", "x@acme.test"}, {"role", "admin"}}).status, 403);
  ASSERT_EQ(as("acme/adam", "PATCH", "/v1/users/" + uid(acme_, "alice"), {{"role", "viewer"}}).status, 403);
  ASSERT_EQ(as("acme/alice", "PATCH", "/v1/users/" + uid(acme_, "alice"), {{"role", "viewer"}}).status, 409);
  ASSERT_EQ(as("acme/alice", "POST", "/v1/users/" + uid(acme_, "mia") + "/disable").status, 200);
  ASSERT_EQ(as("acme/alice", "GET", "/v1/users/" + uid(globex_, "gus")).status, 404);
  ASSERT_EQ(as("acme/vic", "GET", "/v1/tenant").status, 200);
  const std::string text = metrics_.serialize();
  for (const char* series : {"invitations_created_total{result=\"created\"} 1",
                             "invitations_created_total{result=\"forbidden\"} 1",
                             "invitation_accepts_total{result=\"accepted\"} 1",
                             "invitation_accepts_total{result=\"refused\"} 1",
                             "role_changes_total{result=\"forbidden\"} 1",
                             "role_changes_total{result=\"last_owner\"} 1",
                             "user_disables_total{result=\"disabled\"} 1",
                             "user_reads_total{result=\"not_found\"} 1",
                             "tenant_reads_total{result=\"ok\"} 1"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series;
  }
  EXPECT_EQ(text.find(uid(acme_, "mia")), std::string::npos);
  EXPECT_EQ(text.find(crypto::hex_encode(ByteView(acme_))), std::string::npos);
}

TEST_F(TenantApiTest, MalformedAcceptsNameTheFieldAndCountNothing) {
  const auto r = call("POST", "/v1/invitations/accept", {{"tenant", "acme"}, {"token", "x"}, {"login", "z"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(body(r)["message"].get<std::string>().find("password"), std::string::npos);
  EXPECT_EQ(accept("acme", "bwot_x", "Bad Login!").status, 400);
  EXPECT_TRUE(lockout_->accounts.empty());
}

}  // namespace
}  // namespace bw::auth::api
