// MFA through the public API in process (real SQLite in a temporary folder, a fake
// lockout, an injected clock): TOTP enrolment and verification, the login TOTP step,
// one-time codes and recovery codes, sealed secrets, disabling, renewing recovery codes
// and the tenant requirement. The RFC 6238 vectors are libs/authcore's tests.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "api_test_support.hpp"
#include "bw/authcore/base32.hpp"
#include "bw/authcore/recovery_codes.hpp"
#include "bw/authcore/sealed_secret.hpp"
#include "bw/authcore/totp.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"

namespace bw::auth::api {
namespace {

using nlohmann::json;

constexpr std::int64_t kStepMs = 30'000;

class MfaApiTest : public ApiTest {
 protected:
  void SetUp() override {
    setup_.kek = kek_;
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(signup("acme", "alice"), 201);
  }
  std::unique_ptr<AuthApi> make_api(std::shared_ptr<const authcore::KeyRing> ring) {
    return ApiTest::make_api({.kek = std::move(ring)});
  }
  int signup(const std::string& tenant, const std::string& login) { return post_signup(tenant, login).status; }
  void add_user(const std::string& tenant, const std::string& login, store::Role role) {
    create_user(tenant_id(tenant), login, role);
  }
  store::User user(const std::string& tenant, const std::string& login) {
    return store_->find_user_by_login(tenant_id(tenant), login).value();
  }
  http::Response login(const std::string& tenant, const std::string& login, json extra = json::object(),
                       const std::string& password = kPassword) {
    return post_login(tenant, login, password, std::move(extra));
  }
  std::string access(const std::string& tenant, const std::string& login_name, json extra = json::object()) {
    const auto r = login(tenant, login_name, std::move(extra));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? body(r)["access_token"].get<std::string>() : "";
  }
  // Starts an enrolment; the secret's bytes.
  Bytes enrol(const std::string& token) {
    const auto r = call("POST", "/v1/mfa/totp", {{"password", kPassword}}, token);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    auto secret = authcore::base32_decode(body(r)["secret"].get<std::string>());
    EXPECT_TRUE(secret);
    return Bytes(secret->begin(), secret->end());
  }
  std::string code(const Bytes& secret, std::int64_t at_ms) const { return authcore::totp(secret, at_ms / 1000); }
  std::string code(const Bytes& secret) const { return code(secret, now_); }
  // A well-formed code that is not the current one.
  std::string other_code(const Bytes& secret) const { return code(secret) == "000000" ? "111111" : "000000"; }
  // Enrols and verifies: the secret, and the verify answer in `verified`.
  Bytes enable(const std::string& tenant, const std::string& login_name, json* verified = nullptr) {
    const Bytes secret = enrol(access(tenant, login_name));
    const auto token = access(tenant, login_name);
    const auto r = call("POST", "/v1/mfa/totp/verify", {{"code", code(secret)}}, token);
    EXPECT_EQ(r.status, 200) << r.body;
    if (verified && r.status == 200) *verified = body(r);
    now_ += kStepMs;  // the next code is a fresh step
    return secret;
  }
  bool mfa_of(const std::string& token) {
    const auto r = call("GET", "/v1/me", nullptr, token);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 && body(r)["mfa"].get<bool>();
  }
  std::vector<std::string> audit_kinds() {
    std::vector<std::string> kinds;
    for (const auto& e : audit_events()) kinds.push_back(e.kind);
    return kinds;
  }
  std::string all_audit_payloads() {
    std::string all;
    for (const auto& e : audit_events()) all += to_string(e.payload);
    return all;
  }
  bool counted(const std::string& what, const std::string& result) const {
    const std::string text = metrics_.serialize();
    const std::string needle = "result=\"" + result + "\"";
    for (std::size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; ++pos) {
      const auto end = text.find('\n', pos);
      const auto line = text.substr(pos, end - pos);
      if (line.find(needle) != std::string::npos && line.substr(line.rfind(' ') + 1) != "0") return true;
    }
    return false;
  }
};

TEST_F(MfaApiTest, EnrolmentShowsTheSecretOnceAndNotCacheable) {
  const auto r = call("POST", "/v1/mfa/totp", {{"password", kPassword}}, access("acme", "alice"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.cacheable);
  const auto b = body(r);
  const std::string secret = b["secret"];
  EXPECT_GE(authcore::base32_decode(secret)->size() * 8, 160u);
  const std::string uri = b["otpauth_uri"];
  EXPECT_EQ(uri.rfind("otpauth://totp/", 0), 0u) << uri;
  EXPECT_NE(uri.find("secret=" + secret), std::string::npos);
  EXPECT_TRUE(counted("mfa_enrolments", "started"));
  EXPECT_EQ(all_audit_payloads().find(secret), std::string::npos) << "no secret in the audit trail";
}

TEST_F(MfaApiTest, EnrolmentNeedsThePasswordAgain) {
  const std::string token = access("acme", "alice");
  const auto missing = call("POST", "/v1/mfa/totp", nullptr, token);
  EXPECT_EQ(missing.status, 400);
  const auto attempts = lockout_->accounts.size();
  const auto wrong = call("POST", "/v1/mfa/totp", {{"password", "not the password at all"}}, token);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(body(wrong)["error"], "wrong_password");
  EXPECT_EQ(lockout_->accounts.size(), attempts + 1) << "a step-up guess counts in the lockout";
  EXPECT_EQ(lockout_->address_failures.size(), 1u);
  EXPECT_EQ(wrong.body.find("secret"), std::string::npos);
  EXPECT_TRUE(store_->get_totp_secret(user("acme", "alice").tenant_id, user("acme", "alice").id).error().code != 0)
      << "nothing stored";
}

TEST_F(MfaApiTest, VerifyEnablesAndAnswersRecoveryCodesAndAnOtpSession) {
  json verified;
  enable("acme", "alice", &verified);
  ASSERT_TRUE(verified.contains("recovery_codes"));
  EXPECT_EQ(verified["recovery_codes"].size(), authcore::kRecoveryCodeCount);
  EXPECT_EQ(verified["token_type"], "Bearer");
  EXPECT_TRUE(mfa_of(verified["access_token"]));
  EXPECT_TRUE(store_->get_totp_secret(user("acme", "alice").tenant_id, user("acme", "alice").id)->enabled);
  const auto kinds = audit_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "mfa_enabled"), kinds.end());
  const std::string payloads = all_audit_payloads();
  EXPECT_EQ(payloads.find("bwrc_"), std::string::npos) << "no recovery code in the audit trail";
  EXPECT_TRUE(counted("mfa_verifications", "ok"));
}

TEST_F(MfaApiTest, LoginNeedsTheCodeOnceEnabled) {
  const Bytes secret = enable("acme", "alice");
  const auto without = login("acme", "alice");
  EXPECT_EQ(without.status, 401);
  EXPECT_EQ(body(without)["error"], "mfa_required");
  // Enabling cleared the account four times: two logins, the enrolment's password check and
  // the verified code.
  EXPECT_EQ(lockout_->cleared.size(), 4u);
  const auto wrong = login("acme", "alice", {{"totp_code", other_code(secret)}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(body(wrong)["error"], "invalid_credentials");
  EXPECT_EQ(body(wrong), body(login("acme", "alice", json::object(), "a wrong password!")))
      << "a wrong code answers exactly like a wrong password";
  EXPECT_EQ(lockout_->address_failures.size(), 2u);
  EXPECT_EQ(lockout_->cleared.size(), 4u) << "no failed step clears the account";
  const auto right = login("acme", "alice", {{"totp_code", code(secret)}});
  ASSERT_EQ(right.status, 200) << right.body;
  EXPECT_TRUE(mfa_of(body(right)["access_token"]));
  EXPECT_EQ(lockout_->cleared.size(), 5u);
  EXPECT_TRUE(counted("logins", "mfa_required"));
  EXPECT_TRUE(counted("logins", "wrong_code"));
}

TEST_F(MfaApiTest, ACodeWorksOnceEvenAcrossLoginsInTheSameStep) {
  const Bytes secret = enable("acme", "alice");
  now_ = (now_ / kStepMs) * kStepMs + 1000;  // early in a step
  const std::string c = code(secret);
  ASSERT_EQ(login("acme", "alice", {{"totp_code", c}}).status, 200);
  now_ += 5000;
  const auto again = login("acme", "alice", {{"totp_code", c}});
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(body(again)["error"], "invalid_credentials");
  EXPECT_TRUE(counted("logins", "reused_code"));
  now_ += kStepMs;
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(secret)}}).status, 200) << "the next step's code works";
}

TEST_F(MfaApiTest, ParallelLoginsWithOneCodeGetExactlyOneSession) {
  const Bytes secret = enable("acme", "alice");
  const std::string c = code(secret);
  constexpr int kLogins = 6;
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kLogins; ++i) {
    threads.emplace_back([&] {
      const int status = login("acme", "alice", {{"totp_code", c}}).status;
      (status == 200 ? ok : refused).fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), kLogins - 1);
}

TEST_F(MfaApiTest, OneStepOfSkewIsAcceptedTwoAreNot) {
  const Bytes secret = enable("acme", "alice");
  now_ += 10 * kStepMs;
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(secret, now_ - 2 * kStepMs)}}).status, 401);
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(secret, now_ + 2 * kStepMs)}}).status, 401);
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(secret, now_ - kStepMs)}}).status, 200);
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(secret, now_ + kStepMs)}}).status, 200);
  now_ += 10 * kStepMs;
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(secret)}}).status, 200);
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(secret, now_ - kStepMs)}}).status, 401)
      << "a step older than one already used is refused, though inside the window";
}

TEST_F(MfaApiTest, ARecoveryCodeWorksOnceAndMarksTheSession) {
  json verified;
  enable("acme", "alice", &verified);
  const std::string rc = verified["recovery_codes"][3];
  const auto r = login("acme", "alice", {{"recovery_code", rc}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(mfa_of(body(r)["access_token"])) << "amr rec counts as a second factor";
  const auto again = login("acme", "alice", {{"recovery_code", rc}});
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(body(again)["error"], "invalid_credentials");
  EXPECT_EQ(login("acme", "alice", {{"recovery_code", "bwrc_AAAA-AAAA-AAAA-AAAA"}}).status, 401);
  EXPECT_EQ(login("acme", "alice", {{"recovery_code", "not a code"}}).status, 401);
  EXPECT_EQ(login("acme", "alice", {{"recovery_code", verified["recovery_codes"][4]}}).status, 200);
  const auto kinds = audit_kinds();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "mfa_recovery_code_used"), 2);
  EXPECT_EQ(all_audit_payloads().find("bwrc_"), std::string::npos);
}

TEST_F(MfaApiTest, NothingAboutTotpShowsBeforeThePasswordIsRight) {
  const Bytes secret = enable("acme", "alice");
  add_user("acme", "bob", store::Role::kMember);
  const auto enrolled = login("acme", "alice", json::object(), "a wrong password!");
  const auto plain = login("acme", "bob", json::object(), "a wrong password!");
  const auto unknown = login("acme", "nobody", {{"totp_code", "123456"}}, "a wrong password!");
  EXPECT_EQ(enrolled.status, 401);
  EXPECT_EQ(body(enrolled), body(plain));
  EXPECT_EQ(body(enrolled), body(unknown));
  // A right code with a wrong password spends nothing: the same code works with the password.
  const std::string c = code(secret);
  EXPECT_EQ(login("acme", "alice", {{"totp_code", c}}, "a wrong password!").status, 401);
  EXPECT_EQ(login("acme", "alice", {{"totp_code", c}}).status, 200);
  // A user without TOTP who sends a code gets a password-only session.
  const auto bob = login("acme", "bob", {{"totp_code", "123456"}});
  ASSERT_EQ(bob.status, 200);
  EXPECT_FALSE(mfa_of(body(bob)["access_token"]));
}

TEST_F(MfaApiTest, TheStoredSecretIsSealedForItsOwnUserOnly) {
  add_user("acme", "bob", store::Role::kMember);
  const Bytes secret = enrol(access("acme", "alice"));
  const auto alice = user("acme", "alice");
  const auto bob = user("acme", "bob");
  const auto stored = store_->get_totp_secret(alice.tenant_id, alice.id);
  ASSERT_TRUE(stored);
  const std::string sealed = to_string(stored->sealed_secret);
  EXPECT_EQ(sealed.rfind("v1.kek1.", 0), 0u);
  EXPECT_EQ(sealed.find(authcore::base32_encode(secret)), std::string::npos);
  const std::string tenant_hex = crypto::hex_encode(ByteView(alice.tenant_id));
  const std::string alice_hex = crypto::hex_encode(ByteView(alice.id));
  const std::string bob_hex = crypto::hex_encode(ByteView(bob.id));
  auto opened = authcore::open_secret(*kek_, {tenant_hex, alice_hex, "totp"}, sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(Bytes(opened->begin(), opened->end()), secret);
  EXPECT_FALSE(authcore::open_secret(*kek_, {tenant_hex, bob_hex, "totp"}, sealed));
  EXPECT_FALSE(authcore::open_secret(*kek_, {tenant_hex, alice_hex, "other"}, sealed));
  // Copied into bob's row, it does not open: his verify fails closed.
  const std::string bob_token = access("acme", "bob");
  ASSERT_TRUE(store_->put_totp_secret(bob.tenant_id, bob.id, stored->sealed_secret, now_));
  const auto r = call("POST", "/v1/mfa/totp/verify", {{"code", code(secret)}}, bob_token);
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(store_->get_totp_secret(bob.tenant_id, bob.id)->enabled);
}

TEST_F(MfaApiTest, AnotherKekRefusesToOpenTheSecret) {
  const Bytes secret = enable("acme", "alice");
  api_ = make_api(make_kek("kek1", 'c'));  // same id, other key
  const auto r = login("acme", "alice", {{"totp_code", code(secret)}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("access_token"), std::string::npos);
  api_ = make_api(make_kek("kek2", 'c'));  // unknown id
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(secret)}}).status, 503);
  api_ = make_api(kek_);
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(secret)}}).status, 200) << "the step was not spent";
}

TEST_F(MfaApiTest, EnrolmentReplacesAnUnfinishedOneAndRefusesWhenEnabled) {
  const auto token = access("acme", "alice");
  const Bytes first = enrol(token);
  const Bytes second = enrol(token);
  EXPECT_NE(first, second);
  const auto stale = call("POST", "/v1/mfa/totp/verify", {{"code", code(first)}}, token);
  EXPECT_EQ(stale.status, 403);
  EXPECT_EQ(body(stale)["error"], "wrong_code");
  ASSERT_EQ(call("POST", "/v1/mfa/totp/verify", {{"code", code(second)}}, token).status, 200);
  const auto again = call("POST", "/v1/mfa/totp", {{"password", kPassword}}, token);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(call("POST", "/v1/mfa/totp/verify", {{"code", code(second)}}, token).status, 409);
  EXPECT_TRUE(counted("mfa_enrolments", "already_enabled"));
}

TEST_F(MfaApiTest, EnrolmentCodesAreGuessesCountedInTheLockout) {
  const auto token = access("acme", "alice");
  const Bytes secret = enrol(token);
  const auto attempts = lockout_->accounts.size();
  const auto failures = lockout_->address_failures.size();
  EXPECT_EQ(call("POST", "/v1/mfa/totp/verify", {{"code", other_code(secret)}}, token).status, 403);
  EXPECT_EQ(lockout_->accounts.size(), attempts + 1);
  EXPECT_EQ(lockout_->address_failures.size(), failures + 1);
  lockout_->locked = true;
  const auto locked = call("POST", "/v1/mfa/totp/verify", {{"code", code(secret)}}, token);
  EXPECT_EQ(locked.status, 429) << "even the right code, once locked";
  lockout_->locked = false;
  lockout_->unavailable = true;
  EXPECT_EQ(call("POST", "/v1/mfa/totp/verify", {{"code", code(secret)}}, token).status, 503) << "fails closed";
  lockout_->unavailable = false;
  EXPECT_FALSE(store_->get_totp_secret(tenant_id("acme"), user("acme", "alice").id)->enabled);
  EXPECT_EQ(call("POST", "/v1/mfa/totp/verify", {{"code", code(secret)}}, token).status, 200);
}

TEST_F(MfaApiTest, VerifyRefusesWithoutEnrolmentAndAReusedCode) {
  const auto token = access("acme", "alice");
  const auto none = call("POST", "/v1/mfa/totp/verify", {{"code", "123456"}}, token);
  EXPECT_EQ(none.status, 409);
  EXPECT_EQ(body(none)["error"], "no_enrolment");
  const Bytes secret = enrol(token);
  ASSERT_TRUE(store_->use_totp_step(user("acme", "alice").tenant_id, user("acme", "alice").id, now_ / kStepMs).value());
  EXPECT_EQ(call("POST", "/v1/mfa/totp/verify", {{"code", code(secret)}}, token).status, 403)
      << "a step already used does not verify";
}

TEST_F(MfaApiTest, MalformedInputNamesTheFieldNeverTheValue) {
  const auto token = access("acme", "alice");
  const auto missing = call("POST", "/v1/mfa/totp/verify", json::object(), token);
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("code"), std::string::npos);
  const auto extra = call("POST", "/v1/mfa/totp/verify", {{"code", "123456"}, {"secret", "XYZSECRET"}}, token);
  EXPECT_EQ(extra.status, 400);
  EXPECT_EQ(extra.body.find("XYZSECRET"), std::string::npos);
  EXPECT_EQ(call("POST", "/v1/mfa/totp", {{"x", 1}}, token).status, 400);
  EXPECT_EQ(call("PUT", "/v1/tenant/mfa", {{"required", "yes"}}, token).status, 400);
  const auto both = login("acme", "alice", {{"totp_code", "123456"}, {"recovery_code", "bwrc_AAAA"}});
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(both.body.find("123456"), std::string::npos);
  EXPECT_EQ(login("acme", "alice", {{"totp_code", std::string(17, '1')}}).status, 400);
  EXPECT_EQ(call("POST", "/v1/mfa/totp", {{"password", kPassword}}, "").status, 401);
}

TEST_F(MfaApiTest, DisableNeedsThePasswordAndACodeCountedInTheLockout) {
  const Bytes secret = enable("acme", "alice");
  const auto token = access("acme", "alice", {{"totp_code", code(secret)}});
  now_ += kStepMs;
  const auto attempts = lockout_->accounts.size();
  const auto wrong_pw =
      call("POST", "/v1/mfa/totp/disable", {{"password", "a wrong password!"}, {"code", code(secret)}}, token);
  EXPECT_EQ(wrong_pw.status, 403);
  EXPECT_EQ(body(wrong_pw)["error"], "wrong_password");
  const auto wrong_code =
      call("POST", "/v1/mfa/totp/disable",
           {{"password", kPassword}, {"code", other_code(secret)}}, token);
  EXPECT_EQ(wrong_code.status, 403);
  EXPECT_EQ(body(wrong_code)["error"], "wrong_code");
  EXPECT_EQ(lockout_->accounts.size(), attempts + 2) << "each guess is an attempt";
  EXPECT_EQ(call("POST", "/v1/mfa/totp/disable", {{"password", kPassword}}, token).status, 400);
  ASSERT_EQ(call("POST", "/v1/mfa/totp/disable", {{"password", kPassword}, {"code", code(secret)}}, token).status, 204);
  const auto alice = user("acme", "alice");
  EXPECT_FALSE(store_->get_totp_secret(alice.tenant_id, alice.id));
  const auto after = login("acme", "alice");
  ASSERT_EQ(after.status, 200) << "no code needed any more";
  EXPECT_FALSE(mfa_of(body(after)["access_token"]));
  const auto kinds = audit_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "mfa_disabled"), kinds.end());
  const auto not_enabled =
      call("POST", "/v1/mfa/totp/disable", {{"password", kPassword}, {"code", "123456"}}, body(after)["access_token"]);
  EXPECT_EQ(not_enabled.status, 409);
}

TEST_F(MfaApiTest, DisableAcceptsARecoveryCodeForALostDevice) {
  json verified;
  enable("acme", "alice", &verified);
  const std::string rc0 = verified["recovery_codes"][0], rc1 = verified["recovery_codes"][1];
  const auto token = access("acme", "alice", {{"recovery_code", rc0}});
  EXPECT_EQ(call("POST", "/v1/mfa/totp/disable", {{"password", kPassword}, {"recovery_code", rc0}}, token).status, 403)
      << "a spent recovery code";
  EXPECT_EQ(call("POST", "/v1/mfa/totp/disable", {{"password", kPassword}, {"recovery_code", rc1}}, token).status, 204);
}

TEST_F(MfaApiTest, RenewingRecoveryCodesNeedsACodeAndRetiresTheOldOnes) {
  json verified;
  const Bytes secret = enable("acme", "alice", &verified);
  const auto token = access("acme", "alice", {{"totp_code", code(secret)}});
  now_ += kStepMs;
  EXPECT_EQ(call("POST", "/v1/mfa/recovery-codes", {{"code", "12345"}}, token).status, 403);
  const auto r = call("POST", "/v1/mfa/recovery-codes", {{"code", code(secret)}}, token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.cacheable);
  const auto fresh = body(r)["recovery_codes"];
  ASSERT_EQ(fresh.size(), authcore::kRecoveryCodeCount);
  EXPECT_EQ(call("POST", "/v1/mfa/recovery-codes", {{"code", code(secret)}}, token).status, 403) << "code reused";
  EXPECT_EQ(login("acme", "alice", {{"recovery_code", verified["recovery_codes"][0]}}).status, 401);
  EXPECT_EQ(login("acme", "alice", {{"recovery_code", fresh[0]}}).status, 200);
  const auto kinds = audit_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "mfa_recovery_codes_renewed"), kinds.end());
  EXPECT_TRUE(counted("mfa_recovery_code_renewals", "ok"));
}

TEST_F(MfaApiTest, TheTenantRequirementNeedsAnAdminWhoUsesMfa) {
  const auto pwd_only = access("acme", "alice");
  const auto refused = call("PUT", "/v1/tenant/mfa", {{"required", true}}, pwd_only);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(body(refused)["error"], "mfa_not_used");
  EXPECT_FALSE(store_->find_tenant_by_slug("acme")->mfa_required);

  add_user("acme", "vera", store::Role::kViewer);
  add_user("acme", "adam", store::Role::kAdmin);
  json verified;
  enable("acme", "vera", &verified);
  const auto viewer = call("PUT", "/v1/tenant/mfa", {{"required", true}}, verified["access_token"]);
  EXPECT_EQ(viewer.status, 403);
  EXPECT_EQ(body(viewer)["error"], "forbidden");

  add_user("acme", "max", store::Role::kMember);
  enable("acme", "max", &verified);
  EXPECT_EQ(call("PUT", "/v1/tenant/mfa", {{"required", true}}, verified["access_token"]).status, 403) << "member";

  enable("acme", "adam", &verified);
  const auto on = call("PUT", "/v1/tenant/mfa", {{"required", true}}, verified["access_token"]);
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_TRUE(body(on)["required"].get<bool>());
  EXPECT_TRUE(store_->find_tenant_by_slug("acme")->mfa_required);
  const auto kinds = audit_kinds();
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "tenant_mfa_required_changed"), 1);
  EXPECT_NE(all_audit_payloads().find("\"required\":true"), std::string::npos);
  // While required, nobody disables TOTP.
  const auto disable =
      call("POST", "/v1/mfa/totp/disable", {{"password", kPassword}, {"code", "123456"}}, verified["access_token"]);
  EXPECT_EQ(disable.status, 403);
  EXPECT_EQ(body(disable)["error"], "mfa_required_by_tenant");
  // Turning it off needs no second factor beyond the one the token already has.
  EXPECT_EQ(call("PUT", "/v1/tenant/mfa", {{"required", false}}, verified["access_token"]).status, 200);
  EXPECT_FALSE(store_->find_tenant_by_slug("acme")->mfa_required);
}

TEST_F(MfaApiTest, ARequiredTenantSendsPasswordOnlyUsersToEnrol) {
  add_user("acme", "mia", store::Role::kMember);
  const std::string mia = access("acme", "mia");
  const Bytes secret = enable("acme", "alice");
  ASSERT_EQ(call("PUT", "/v1/tenant/mfa", {{"required", true}}, access("acme", "alice", {{"totp_code", code(secret)}}))
                .status,
            200);
  EXPECT_EQ(call("GET", "/v1/me", nullptr, mia).status, 200) << "me is exempt";
  const auto change = call("POST", "/v1/me/password", {{"current_password", kPassword}, {"new_password", "x"}}, mia);
  EXPECT_EQ(change.status, 403);
  EXPECT_EQ(body(change)["error"], "mfa_required");
  const Bytes mia_secret = enrol(mia);
  const auto verified = call("POST", "/v1/mfa/totp/verify", {{"code", code(mia_secret)}}, mia);
  ASSERT_EQ(verified.status, 200) << verified.body;
  const auto with_otp = call("POST", "/v1/me/password", {{"current_password", kPassword}, {"new_password", "x"}},
                             body(verified)["access_token"]);
  EXPECT_EQ(with_otp.status, 400) << "past the MFA check: the weak new password is what is refused";
  EXPECT_EQ(body(with_otp)["error"], "weak_password");
}

TEST_F(MfaApiTest, AnotherTenantIsNeverAffected) {
  ASSERT_EQ(signup("globex", "gina"), 201);
  const std::string gina = access("globex", "gina");
  const Bytes secret = enable("acme", "alice");
  ASSERT_EQ(call("PUT", "/v1/tenant/mfa", {{"required", true}}, access("acme", "alice", {{"totp_code", code(secret)}}))
                .status,
            200);
  EXPECT_FALSE(store_->find_tenant_by_slug("globex")->mfa_required);
  const auto change = call("POST", "/v1/me/password", {{"current_password", kPassword}, {"new_password", "x"}}, gina);
  EXPECT_EQ(change.status, 400) << "globex does not require MFA";
  const auto g = login("globex", "gina", {{"totp_code", code(secret)}});
  ASSERT_EQ(g.status, 200) << "alice's TOTP is not gina's";
  EXPECT_FALSE(mfa_of(body(g)["access_token"]));
  // Gina enrolling and requiring MFA in her tenant does not touch acme's users.
  const Bytes gina_secret = enable("globex", "gina");
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(gina_secret)}}).status, 401);
  const auto g_token = access("globex", "gina", {{"totp_code", code(gina_secret)}});
  ASSERT_EQ(call("PUT", "/v1/tenant/mfa", {{"required", false}}, g_token).status, 200);
  EXPECT_TRUE(store_->find_tenant_by_slug("acme")->mfa_required) << "globex's admin cannot change acme";
  EXPECT_EQ(login("acme", "alice", {{"totp_code", code(secret)}}).status, 200);
}

TEST_F(MfaApiTest, AnUnfinishedEnrolmentDoesNotChangeLoginAndExpiredTokensCannotEnrol) {
  const auto token = access("acme", "alice");
  enrol(token);
  const auto r = login("acme", "alice");
  ASSERT_EQ(r.status, 200) << "not enabled until verified";
  EXPECT_FALSE(mfa_of(body(r)["access_token"]));
  now_ += (300 + 31) * 1000;  // past the access token's lifetime and the leeway
  EXPECT_EQ(call("POST", "/v1/mfa/totp", {{"password", kPassword}}, token).status, 401);
  EXPECT_EQ(call("POST", "/v1/mfa/totp/verify", {{"code", "123456"}}, token).status, 401);
  EXPECT_EQ(call("PUT", "/v1/tenant/mfa", {{"required", false}}, token).status, 401);
}

TEST_F(MfaApiTest, AViewerCanEnrolVerifyAndSignInWithACode) {
  add_user("acme", "vera", store::Role::kViewer);
  json verified;
  const Bytes secret = enable("acme", "vera", &verified);
  EXPECT_TRUE(mfa_of(verified["access_token"]));
  const auto r = login("acme", "vera", {{"totp_code", code(secret)}});
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(mfa_of(body(r)["access_token"]));
}

}  // namespace
}  // namespace bw::auth::api
