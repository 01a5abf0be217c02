// AuthApi in process: a real SQLite store in a temporary folder, a fake lockout port and an
// injected clock, so lockout decisions, failure modes, expiry and re-hashing are tested
// without sockets or sleeps. The real binaries are driven by api_system_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <tuple>
#include <nlohmann/json.hpp>

#include "api/signing_keys.hpp"
#include "api_test_support.hpp"
#include "bw/jwt/jwt.hpp"
#include "bw/testing/temp_dir.hpp"
#include "store/store.hpp"

namespace bw::auth::api {
namespace {

const std::string kKekHex(64, 'b');

struct FakeRevocations final : Revocations {
  Status publish(const store::Id& tenant_id, const store::Id& user_id, std::int64_t epoch) override {
    if (unavailable) return Error{14, "unavailable"};
    published.push_back({tenant_id, user_id, epoch});
    return {};
  }
  Result<std::int64_t> current(const store::Id&, const store::Id&) override {
    return published.empty() ? 0 : std::get<2>(published.back());
  }
  bool unavailable = false;
  std::vector<std::tuple<store::Id, store::Id, std::int64_t>> published;
};

class AuthApiTest : public ApiTest {
 protected:
  AuthApiTest() {
    setup_.revocations = revocations_;
    lockout_->retry_after = std::chrono::milliseconds(90'500);
  }
  // An API whose hasher uses `params` (a re-hash on login).
  std::unique_ptr<AuthApi> make_api(authcore::Argon2Params params) {
    return ApiTest::make_api({.revocations = revocations_, .hasher = make_hasher(params)});
  }
  void signup() {
    ASSERT_EQ(post_signup("acme", "Alice", "alice@example.com").status, 201);
  }
  http::Response login(const std::string& password) { return post_login("ACME", "alice", password); }

  std::shared_ptr<FakeRevocations> revocations_ = std::make_shared<FakeRevocations>();
};

TEST_F(AuthApiTest, LockoutSubjectIsAHashOfTenantAndNormalisedLogin) {
  signup();
  ASSERT_EQ(login(kPassword).status, 200);
  ASSERT_EQ(lockout_->accounts.size(), 1u);
  EXPECT_EQ(lockout_->accounts[0].size(), 64u);
  EXPECT_EQ(lockout_->accounts[0].find("alice"), std::string::npos);
  EXPECT_EQ(lockout_->addresses[0], "192.0.2.7");
  EXPECT_EQ(lockout_->cleared, lockout_->accounts) << "a success clears the account";
  EXPECT_TRUE(lockout_->address_failures.empty()) << "a success is not an address failure";
}

TEST_F(AuthApiTest, AWrongPasswordCountsAgainstTheAddressAndClearsNothing) {
  signup();
  EXPECT_EQ(login("not the right password").status, 401);
  EXPECT_EQ(lockout_->address_failures, std::vector<std::string>{"192.0.2.7"});
  EXPECT_TRUE(lockout_->cleared.empty());
}

TEST_F(AuthApiTest, LockedAnswers429WithRetryAfterEvenForTheRightPassword) {
  signup();
  lockout_->locked = true;
  const auto r = login(kPassword);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(header(r, "Retry-After"), "91");
  EXPECT_EQ(body(r)["error"], "locked");
  EXPECT_TRUE(lockout_->cleared.empty());
}

TEST_F(AuthApiTest, LockoutUnavailableFailsClosed) {
  signup();
  lockout_->unavailable = true;
  const auto r = login(kPassword);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("access_token"), std::string::npos);
}

TEST_F(AuthApiTest, AccessTokensDieAfterFiveMinutes) {
  signup();
  const auto l = login(kPassword);
  ASSERT_EQ(l.status, 200);
  const std::string access = body(l)["access_token"];
  EXPECT_EQ(call("GET", "/v1/me", nullptr, access).status, 200);
  now_ += (300 + 31) * 1000;  // lifetime + the verifier's leeway
  const auto r = call("GET", "/v1/me", nullptr, access);
  EXPECT_EQ(r.status, 401);
  EXPECT_FALSE(header(r, "WWW-Authenticate").empty());
}

TEST_F(AuthApiTest, AnIdleRefreshTokenIsRefused) {
  signup();
  const auto l = login(kPassword);
  ASSERT_EQ(l.status, 200);
  now_ += std::chrono::milliseconds(std::chrono::hours(1)).count() + 1;
  const auto r = call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", body(l)["refresh_token"]}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(body(r)["error"], "invalid_grant");
}

TEST_F(AuthApiTest, AReusedRefreshTokenRevokesTheFamilyAndIsAudited) {
  signup();
  const auto l = login(kPassword);
  ASSERT_EQ(l.status, 200);
  const std::string first = body(l)["refresh_token"];
  const auto rotated = call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", first}});
  ASSERT_EQ(rotated.status, 200);
  EXPECT_EQ(call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", first}}).status, 401);
  EXPECT_EQ(call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", body(rotated)["refresh_token"]}})
                .status,
            401);
  auto events = store_->peek_audit_events(10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].kind, "tenant_created");
  EXPECT_EQ((*events)[1].kind, "login");
  EXPECT_EQ((*events)[2].kind, "refresh_token_reused");
  const std::string payload = to_string((*events)[2].payload);
  EXPECT_EQ(payload.find("bwrt_"), std::string::npos) << "no token in the audit trail";
  EXPECT_NE(payload.find("session_id"), std::string::npos);
}

TEST_F(AuthApiTest, AReusedRefreshTokenPresentedToLogoutIsAuditedToo) {
  signup();
  const auto l = login(kPassword);
  ASSERT_EQ(l.status, 200);
  const std::string first = body(l)["refresh_token"];
  const auto rotated = call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", first}});
  ASSERT_EQ(rotated.status, 200);
  EXPECT_EQ(call("POST", "/v1/logout", {{"tenant", "acme"}, {"refresh_token", first}}).status, 204)
      << "logout reveals nothing";
  EXPECT_EQ(call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", body(rotated)["refresh_token"]}})
                .status,
            401)
      << "the family died for reuse";
  auto events = store_->peek_audit_events(10);
  ASSERT_TRUE(events);
  EXPECT_TRUE(std::any_of(events->begin(), events->end(), [](const auto& e) { return e.kind == "refresh_token_reused"; }));
}

TEST_F(AuthApiTest, SignInsAreAuditedWithoutWhatWasTyped) {
  signup();
  ASSERT_EQ(login(kPassword).status, 200);
  ASSERT_EQ(login("a wrong password 99").status, 401);
  ASSERT_EQ(call("POST", "/v1/login", {{"tenant", "acme"}, {"login", "typo-in-login"}, {"password", "x"}}).status, 401);
  lockout_->locked = true;
  ASSERT_EQ(login(kPassword).status, 429);
  ASSERT_EQ(call("POST", "/v1/login", {{"tenant", "no-such-tenant"}, {"login", "alice"}, {"password", "x"}}).status, 429);
  auto events = store_->peek_audit_events(20);
  ASSERT_TRUE(events);
  std::vector<std::string> kinds;
  std::string payloads;
  for (const auto& e : *events) kinds.push_back(e.kind), payloads += to_string(e.payload);
  EXPECT_EQ(kinds, (std::vector<std::string>{"tenant_created", "login", "login_failed", "login_failed", "login_locked"}))
      << "an unknown tenant has no log to write to";
  EXPECT_EQ(payloads.find(kPassword), std::string::npos);
  EXPECT_EQ(payloads.find("a wrong password"), std::string::npos);
  EXPECT_EQ(payloads.find("typo-in-login"), std::string::npos) << "a login typed may be a misplaced password";
  EXPECT_NE(payloads.find("\"user_id\":null"), std::string::npos) << "unknown user";
  EXPECT_NE(payloads.find("\"amr\":\"pwd\""), std::string::npos);
}

TEST_F(AuthApiTest, LoginRehashesWhenTheParametersRose) {
  signup();
  auto tenant = store_->find_tenant_by_slug("acme");
  ASSERT_TRUE(tenant);
  const auto before = store_->find_user_by_login(tenant->id, "alice")->password_phc;
  EXPECT_NE(before.find("t=2"), std::string::npos);
  api_ = make_api({authcore::kArgon2MinMemoryBytes, 3});
  ASSERT_EQ(login(kPassword).status, 200);
  const auto after = store_->find_user_by_login(tenant->id, "alice")->password_phc;
  EXPECT_NE(after.find("t=3"), std::string::npos) << after;
  EXPECT_EQ(login(kPassword).status, 200) << "the new hash verifies";
}

TEST_F(AuthApiTest, UnknownAccountsCostAnArgon2idVerificationToo) {
  signup();
  // Counted, not timed: each failed login must run exactly one Argon2id verification at the
  // current parameters, whether the account exists or not (without the dummy verification an
  // unknown account would answer after none).
  const auto verifications_per_login = [&](const std::string& tenant, const std::string& user) {
    const auto before = hasher_->verifications();
    const auto r = call("POST", "/v1/login", {{"tenant", tenant}, {"login", user}, {"password", "wrong password 1"}});
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(body(r)["error"], "invalid_credentials") << r.body;
    return hasher_->verifications() - before;
  };
  EXPECT_EQ(verifications_per_login("acme", "alice"), 1u) << "a wrong password";
  EXPECT_EQ(verifications_per_login("acme", "nobody"), 1u) << "an unknown user";
  EXPECT_EQ(verifications_per_login("nosuch", "alice"), 1u) << "an unknown tenant";
}

TEST_F(AuthApiTest, ErrorsNeverEchoThePassword) {
  const auto r = call("POST", "/v1/signup", {{"tenant", "acme"}, {"login", "bob"}, {"email", "bob@example.com"},
                                             {"password", "bob@example.com"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body(r)["error"], "weak_password");
  EXPECT_EQ(r.body.find("bob@example.com"), std::string::npos);
}

TEST_F(AuthApiTest, UnknownPathsAndMethods) {
  const auto wrong_method = call("GET", "/v1/login");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(header(wrong_method, "Allow"), "POST");
  EXPECT_EQ(call("GET", "/v1/../etc/passwd").status, 404);
  EXPECT_EQ(call("GET", "/v1/me/").status, 404) << "no trailing-slash aliases";
  EXPECT_EQ(call("GET", "//v1/me").status, 404);
  EXPECT_EQ(call("POST", "/v1/me").status, 405);
  EXPECT_EQ(call("HEAD", "/.well-known/jwks.json").status, 200) << "HEAD is answered as GET";
}

// Signs up and logs in; returns {access token, refresh token}.
std::pair<std::string, std::string> tokens_of(const http::Response& r) {
  const auto j = nlohmann::json::parse(r.body);
  return {j["access_token"], j["refresh_token"]};
}

TEST_F(AuthApiTest, AccessTokensCarryTheEpochAndHowTheSessionSignedIn) {
  signup();
  const auto [access, refresh] = tokens_of(login(kPassword));
  auto claims = jwt::verify(*keys_, access, {"https://issuer.test", "aud"}, now_ / 1000);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->revocation_epoch, 0);
  EXPECT_EQ(claims->auth_methods, std::vector<std::string>{"pwd"});
  const auto r = call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", refresh}});
  ASSERT_EQ(r.status, 200);
  auto refreshed = jwt::verify(*keys_, tokens_of(r).first, {"https://issuer.test", "aud"}, now_ / 1000);
  ASSERT_TRUE(refreshed);
  EXPECT_EQ(refreshed->auth_methods, std::vector<std::string>{"pwd"}) << "refresh keeps the session's amr";
  EXPECT_EQ(refreshed->session, claims->session);
}

TEST_F(AuthApiTest, LogoutEndsTheSessionsAccessTokensToo) {
  signup();
  const auto [access, refresh] = tokens_of(login(kPassword));
  ASSERT_EQ(call("GET", "/v1/me", nullptr, access).status, 200);
  ASSERT_EQ(call("POST", "/v1/logout", {{"tenant", "acme"}, {"refresh_token", refresh}}).status, 204);
  EXPECT_EQ(call("GET", "/v1/me", nullptr, access).status, 401);
}

TEST_F(AuthApiTest, SignOutEverywhereKillsEveryTokenAtOnceAndPublishesTheEpoch) {
  signup();
  const auto [access1, refresh1] = tokens_of(login(kPassword));
  const auto [access2, refresh2] = tokens_of(login(kPassword));
  const auto r = call("POST", "/v1/me/sign-out-everywhere", nullptr, access1);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r)["revoke_epoch"], 1);
  EXPECT_EQ(body(r)["immediate"], true);
  ASSERT_EQ(revocations_->published.size(), 1u);
  EXPECT_EQ(std::get<2>(revocations_->published[0]), 1);
  for (const auto& access : {access1, access2}) EXPECT_EQ(call("GET", "/v1/me", nullptr, access).status, 401);
  for (const auto& refresh : {refresh1, refresh2}) {
    EXPECT_EQ(call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", refresh}}).status, 401);
  }
  const auto [fresh, unused] = tokens_of(login(kPassword));
  auto claims = jwt::verify(*keys_, fresh, {"https://issuer.test", "aud"}, now_ / 1000);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->revocation_epoch, 1) << "new sessions carry the new epoch";
  EXPECT_EQ(call("GET", "/v1/me", nullptr, fresh).status, 200);
  auto events = store_->peek_audit_events(10);
  ASSERT_TRUE(events);
  EXPECT_TRUE(std::any_of(events->begin(), events->end(), [](const auto& e) { return e.kind == "signed_out_everywhere"; }));
}

TEST_F(AuthApiTest, AnEpochThatCouldNotBePublishedIsReportedNotHidden) {
  signup();
  const auto [access, refresh] = tokens_of(login(kPassword));
  revocations_->unavailable = true;
  const auto r = call("POST", "/v1/me/sign-out-everywhere", nullptr, access);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body(r)["immediate"], false);
  EXPECT_EQ(call("GET", "/v1/me", nullptr, access).status, 401) << "auth itself reads the epoch from its store";
}

TEST_F(AuthApiTest, ChangingThePasswordNeedsTheCurrentOneAndEndsEverySession) {
  signup();
  const auto [access, refresh] = tokens_of(login(kPassword));
  const std::string next = "a completely different passphrase 7";
  const auto wrong = call("POST", "/v1/me/password", {{"current_password", "not it at all 123"}, {"new_password", next}}, access);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(body(wrong)["error"], "wrong_password");
  EXPECT_EQ(lockout_->address_failures.size(), 1u) << "a wrong current password is a counted guess";
  EXPECT_EQ(call("POST", "/v1/me/password", {{"current_password", kPassword}, {"new_password", "alice"}}, access).status,
            400);
  const auto ok = call("POST", "/v1/me/password", {{"current_password", kPassword}, {"new_password", next}}, access);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(body(ok)["revoke_epoch"], 1);
  EXPECT_EQ(call("GET", "/v1/me", nullptr, access).status, 401);
  EXPECT_EQ(call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", refresh}}).status, 401);
  EXPECT_EQ(login(kPassword).status, 401);
  EXPECT_EQ(login(next).status, 200);
  EXPECT_EQ(ok.body.find(next), std::string::npos);
}

TEST_F(AuthApiTest, LockedAccountCannotGuessTheCurrentPasswordEither) {
  signup();
  const auto [access, refresh] = tokens_of(login(kPassword));
  lockout_->locked = true;
  const auto r = call("POST", "/v1/me/password", {{"current_password", kPassword}, {"new_password", "another good passphrase 9"}},
                      access);
  EXPECT_EQ(r.status, 429);
  lockout_->locked = false;
  lockout_->unavailable = true;
  EXPECT_EQ(call("POST", "/v1/me/password", {{"current_password", kPassword}, {"new_password", "another good passphrase 9"}},
                 access)
                .status,
            503);
}

TEST_F(AuthApiTest, ARehashOnLoginKeepsOtherSessions) {
  signup();
  const auto [access, refresh] = tokens_of(login(kPassword));
  api_ = make_api({authcore::kArgon2MinMemoryBytes, 3});
  ASSERT_EQ(login(kPassword).status, 200);
  EXPECT_EQ(call("GET", "/v1/me", nullptr, access).status, 200) << "a parameter upgrade is not a password change";
  EXPECT_EQ(call("POST", "/v1/token/refresh", {{"tenant", "acme"}, {"refresh_token", refresh}}).status, 200);
}

TEST_F(AuthApiTest, TheRoleIsReadFromTheStoreNotTheToken) {
  signup();
  const auto [access, refresh] = tokens_of(login(kPassword));
  auto tenant = store_->find_tenant_by_slug("acme");
  auto alice = store_->find_user_by_login(tenant->id, "alice");
  store::User second = *alice;
  second.id = store::Id{9};
  second.login = "owner2";
  second.email = "owner2@example.com";
  ASSERT_TRUE(store_->create_user(second));
  ASSERT_TRUE(store_->set_user_role(tenant->id, alice->id, store::Role::kViewer));
  const auto me = call("GET", "/v1/me", nullptr, access);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(body(me)["role"], "viewer") << "the token said owner";
}

TEST(SigningKeys, AStoredKeyOpensOnlyUnderItsKek) {
  auto dir = testing::TempDir::create("bw-auth-keys-");
  ASSERT_TRUE(dir);
  auto opened = store::open_store({.database_url = "", .sqlite_path = (dir->path() / "k.db").string()}, 1);
  ASSERT_TRUE(opened);
  auto ring = kek_from_file_text("kek1", kKekHex + "\n");
  ASSERT_TRUE(ring);
  auto first = load_or_create_key_set(**opened, *ring, 1);
  ASSERT_TRUE(first) << first.error().message;
  auto again = load_or_create_key_set(**opened, *ring, 2);
  ASSERT_TRUE(again);
  EXPECT_EQ(first->signing_key()->kid(), again->signing_key()->kid()) << "a restart loads, it does not generate";
  auto other = kek_from_file_text("kek1", std::string(64, 'c'));
  ASSERT_TRUE(other);
  EXPECT_FALSE(load_or_create_key_set(**opened, *other, 3));
  EXPECT_FALSE(kek_from_file_text("kek1", "too short"));
  EXPECT_FALSE(kek_from_file_text("kek1", std::string(64, 'z')));
}

}  // namespace
}  // namespace bw::auth::api
