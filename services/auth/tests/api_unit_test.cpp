// AuthApi in process: a real SQLite store in a temporary folder, a fake lockout port and an
// injected clock, so lockout decisions, failure modes, expiry and re-hashing are tested
// without sockets or sleeps. The real binaries are driven by api_system_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "api/auth_api.hpp"
#include "api/signing_keys.hpp"
#include "bw/testing/temp_dir.hpp"
#include "store/store.hpp"

namespace bw::auth::api {
namespace {

constexpr const char* kPassword = "correct horse battery staple 42";
const std::string kKekHex(64, 'b');

struct FakeLockout final : LoginLockout {
  Result<AttemptDecision> record_attempt(const std::string& account, const std::string& address) override {
    accounts.push_back(account);
    addresses.push_back(address);
    if (unavailable) return Error{14, "unavailable"};
    if (locked) return AttemptDecision{false, std::chrono::milliseconds(90'500)};
    return AttemptDecision{true, {}};
  }
  Status record_address_failure(const std::string& address) override {
    address_failures.push_back(address);
    return {};
  }
  Status clear_account(const std::string& account) override {
    cleared.push_back(account);
    return {};
  }
  bool unavailable = false;
  bool locked = false;
  std::vector<std::string> accounts, addresses, address_failures, cleared;
};

class AuthApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::create("bw-auth-api-unit-");
    ASSERT_TRUE(dir);
    dir_ = std::make_unique<testing::TempDir>(std::move(dir.value()));
    auto opened = store::open_store({.database_url = "", .sqlite_path = (dir_->path() / "a.db").string()}, now_);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(opened.value());
    auto ring = kek_from_file_text("kek1", kKekHex);
    ASSERT_TRUE(ring);
    auto keys = load_or_create_key_set(*store_, *ring, now_);
    ASSERT_TRUE(keys) << keys.error().message;
    keys_ = std::make_shared<const jwt::KeySet>(std::move(keys.value()));
    api_ = make_api({});
  }
  std::unique_ptr<AuthApi> make_api(authcore::Argon2Params params) {
    auto hasher = authcore::PasswordHasher::create(params);
    EXPECT_TRUE(hasher);
    ApiDeps deps{store_, lockout_, std::make_shared<const authcore::PasswordHasher>(std::move(hasher.value())), keys_,
                 [this] { return now_; }};
    return std::make_unique<AuthApi>(ApiOptions{"https://issuer.test", "aud", std::chrono::hours(1),
                                                std::chrono::hours(24)},
                                     std::move(deps), metrics_);
  }
  http::Response call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                      const std::string& bearer = "") {
    http::Request r;
    r.method = method;
    r.path = r.target = path;
    if (!body.is_null()) r.body = body.dump();
    if (!bearer.empty()) r.headers.emplace_back("authorization", "Bearer " + bearer);
    r.peer = "192.0.2.7";
    r.tls = true;
    return api_->handle(r);
  }
  void signup() {
    ASSERT_EQ(call("POST", "/v1/signup", {{"tenant", "acme"}, {"login", "Alice"}, {"email", "alice@example.com"},
                                          {"password", kPassword}})
                  .status,
              201);
  }
  http::Response login(const std::string& password) {
    return call("POST", "/v1/login", {{"tenant", "ACME"}, {"login", "alice"}, {"password", password}});
  }
  static nlohmann::json body(const http::Response& r) { return nlohmann::json::parse(r.body); }
  static std::string header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  std::int64_t now_ = 1'800'000'000'000;
  std::unique_ptr<testing::TempDir> dir_;
  std::shared_ptr<store::Store> store_;
  std::shared_ptr<FakeLockout> lockout_ = std::make_shared<FakeLockout>();
  std::shared_ptr<const jwt::KeySet> keys_;
  metrics::Factory metrics_{"auth", "test"};
  std::unique_ptr<AuthApi> api_;
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
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].kind, "tenant_created");
  EXPECT_EQ((*events)[1].kind, "refresh_token_reused");
  const std::string payload = to_string((*events)[1].payload);
  EXPECT_EQ(payload.find("bwrt_"), std::string::npos) << "no token in the audit trail";
  EXPECT_NE(payload.find("session_id"), std::string::npos);
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
  const auto median_ms = [&](const std::string& tenant, const std::string& user) {
    std::vector<double> ms;
    for (int i = 0; i < 5; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const auto r = call("POST", "/v1/login", {{"tenant", tenant}, {"login", user}, {"password", "wrong password 1"}});
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      EXPECT_EQ(r.status, 401);
    }
    std::sort(ms.begin(), ms.end());
    return ms[2];
  };
  const double known = median_ms("acme", "alice");
  const double unknown_user = median_ms("acme", "nobody");
  const double unknown_tenant = median_ms("nosuch", "alice");
  // Without the dummy verification an unknown account would answer ~100x faster; allow
  // generous noise for a loaded machine.
  EXPECT_GT(unknown_user, known * 0.5) << known << " ms vs " << unknown_user << " ms";
  EXPECT_GT(unknown_tenant, known * 0.5) << known << " ms vs " << unknown_tenant << " ms";
}

TEST_F(AuthApiTest, ErrorsNeverEchoThePassword) {
  const auto r = call("POST", "/v1/signup", {{"tenant", "acme"}, {"login", "bob"}, {"email", "bob@example.com"},
                                             {"password", "bob@example.com"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body(r)["error"], "weak_password");
  EXPECT_EQ(r.body.find("bob@example.com"), std::string::npos);
}

TEST_F(AuthApiTest, UnknownPathsAndMethods) {
  EXPECT_EQ(call("GET", "/v1/login").status, 405);
  EXPECT_EQ(call("GET", "/v1/../etc/passwd").status, 404);
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
