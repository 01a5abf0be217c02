// The in-process AuthApi tests' shared fixture (api_*_test.cpp): a real SQLite store in a
// temporary folder, signing keys sealed under a test KEK, a recording fake lockout and an
// injected clock `now_`, so no test opens a socket or sleeps. `call` builds the request a
// TLS listener would hand over; the helpers sign up, sign in and create users the way
// several tests need. What only one test needs stays in that test.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "api/auth_api.hpp"
#include "api/signing_keys.hpp"
#include "bw/crypto/random.hpp"
#include "bw/testing/temp_dir.hpp"
#include "store/store.hpp"

namespace bw::auth::api {

inline constexpr const char* kPassword = "correct horse battery staple 42";

// A LoginLockout that records every call and answers as its switches say: `unavailable`
// fails the attempt, `locked` or a `banned` address refuses it for `retry_after`.
// Thread-safe: tests log in from several threads.
struct RecordingLockout final : LoginLockout {
  Result<AttemptDecision> record_attempt(const std::string& account, const std::string& address) override {
    std::lock_guard lock(mu);
    accounts.push_back(account);
    addresses.push_back(address);
    if (unavailable) return Error{14, "unavailable"};
    if (locked || banned.count(address)) return AttemptDecision{false, retry_after};
    return AttemptDecision{true, {}};
  }
  Status record_address_failure(const std::string& address) override {
    std::lock_guard lock(mu);
    address_failures.push_back(address);
    return {};
  }
  Status clear_account(const std::string& account) override {
    std::lock_guard lock(mu);
    cleared.push_back(account);
    return {};
  }

  std::mutex mu;
  std::atomic<bool> unavailable = false;
  std::atomic<bool> locked = false;
  std::set<std::string> banned;  // addresses refused as if locked
  std::chrono::milliseconds retry_after{60'000};
  std::vector<std::string> accounts, addresses, address_failures, cleared;
};

// What the API tests vary between AuthApi instances; null members are left out.
struct ApiSetup {
  std::shared_ptr<Revocations> revocations;             // null: epochs are not published
  std::shared_ptr<const authcore::KeyRing> kek;         // null: no key seals TOTP secrets
  std::shared_ptr<const authcore::PasswordHasher> hasher;  // null: the fixture's hasher_
  std::shared_ptr<AuditReader> audit;                   // null: /v1/audit answers 503
};

// A migrated SQLite store in a temporary folder, the test KEK and a password hasher, at
// the injected time `now_` (a subclass may set another before SetUp).
class AuthStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = bw::testing::TempDir::create("bw-auth-test-");
    ASSERT_TRUE(dir);
    dir_ = std::make_unique<bw::testing::TempDir>(std::move(dir.value()));
    auto opened = store::open_store({.database_url = "", .sqlite_path = (dir_->path() / "a.db").string()}, now_);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(opened.value());
    ASSERT_TRUE(kek_);
    hasher_ = make_hasher({});
    ASSERT_TRUE(hasher_);
  }

  // A ring of one KEK of 64 copies of `hex_digit`; null (and a failure) if it does not load.
  static std::shared_ptr<const authcore::KeyRing> make_kek(const std::string& id, char hex_digit) {
    auto ring = kek_from_file_text(id, std::string(64, hex_digit));
    EXPECT_TRUE(ring);
    return ring ? std::make_shared<const authcore::KeyRing>(std::move(ring.value())) : nullptr;
  }
  static std::shared_ptr<const authcore::PasswordHasher> make_hasher(authcore::Argon2Params params) {
    auto hasher = authcore::PasswordHasher::create(params);
    EXPECT_TRUE(hasher);
    return hasher ? std::make_shared<const authcore::PasswordHasher>(std::move(hasher.value())) : nullptr;
  }
  // Every audit event so far, oldest first.
  std::vector<store::AuditEvent> audit_events() {
    auto events = store_->peek_audit_events(1000);
    EXPECT_TRUE(events);
    return events ? *events : std::vector<store::AuditEvent>{};
  }

  std::int64_t now_ = 1'800'000'000'000;
  std::unique_ptr<bw::testing::TempDir> dir_;
  std::shared_ptr<store::Store> store_;
  std::shared_ptr<const authcore::KeyRing> kek_ = make_kek("kek1", 'b');
  std::shared_ptr<const authcore::PasswordHasher> hasher_;
};

// The AuthApi over an AuthStoreTest: signing keys sealed under kek_, a recording lockout.
class ApiTest : public AuthStoreTest {
 protected:
  static constexpr const char* kIssuer = "https://issuer.test";
  static constexpr const char* kAudience = "aud";

  // The store, keys and hasher, then `api_ = make_api(setup_)`; a subclass fills `setup_`
  // before calling this first from its own SetUp.
  void SetUp() override {
    AuthStoreTest::SetUp();
    if (HasFatalFailure()) return;
    auto keys = load_or_create_key_set(*store_, *kek_, now_);
    ASSERT_TRUE(keys) << keys.error().message;
    keys_ = std::make_shared<const jwt::KeySet>(std::move(keys.value()));
    auto phc = hasher_->hash(kPassword);
    ASSERT_TRUE(phc);
    phc_ = *phc;
    api_ = make_api(setup_);
  }

  // An AuthApi over this fixture's store, keys, lockout and clock.
  std::unique_ptr<AuthApi> make_api(const ApiSetup& setup) {
    ApiDeps deps{store_, lockout_, setup.hasher ? setup.hasher : hasher_, keys_, [this] { return now_; },
                 setup.revocations, setup.kek, setup.audit};
    return std::make_unique<AuthApi>(ApiOptions{kIssuer, kAudience, std::chrono::hours(1), std::chrono::hours(24)},
                                     std::move(deps), metrics_);
  }

  // Hands `api_` a TLS request from `peer_`; the query is `query` or what follows '?' in `path`.
  http::Response call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                      const std::string& bearer = "", const std::string& query = "") {
    http::Request r;
    r.method = method;
    r.path = path;
    r.query = query;
    if (const auto q = path.find('?'); q != std::string::npos && query.empty()) {
      r.path = path.substr(0, q);
      r.query = path.substr(q + 1);
    }
    r.target = r.query.empty() ? r.path : r.path + "?" + r.query;
    if (!body.is_null()) r.body = body.dump();
    if (!bearer.empty()) r.headers.emplace_back("authorization", "Bearer " + bearer);
    r.peer = peer_;
    r.tls = true;
    return api_->handle(r);
  }
  // The body as JSON; a discarded value when it is not JSON.
  static nlohmann::json body(const http::Response& r) { return nlohmann::json::parse(r.body, nullptr, false); }
  // The first header `name` (as the API spells it), or "".
  static std::string header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  // POST /v1/signup of `login` (password kPassword) founding `tenant`.
  http::Response post_signup(const std::string& tenant, const std::string& login, const std::string& email = "") {
    return call("POST", "/v1/signup",
                {{"tenant", tenant}, {"login", login}, {"email", email.empty() ? login + "@example.com" : email},
                 {"password", kPassword}});
  }
  // POST /v1/login; `extra` adds fields (a TOTP code, …).
  http::Response post_login(const std::string& tenant, const std::string& login,
                            const std::string& password = kPassword, nlohmann::json extra = nlohmann::json::object()) {
    extra["tenant"] = tenant;
    extra["login"] = login;
    extra["password"] = password;
    return call("POST", "/v1/login", extra);
  }
  // The access token of a login with kPassword; "" (and a failure) if it is refused.
  std::string access_token(const std::string& tenant, const std::string& login) {
    const auto r = post_login(tenant, login);
    EXPECT_EQ(r.status, 200) << login << ": " << r.body;
    return r.status == 200 ? body(r).value("access_token", "") : "";
  }
  store::Id tenant_id(const std::string& slug) {
    auto t = store_->find_tenant_by_slug(slug);
    EXPECT_TRUE(t) << slug;
    return t ? t->id : store::Id{};
  }
  static store::Id new_id() {
    store::Id id{};
    crypto::random_bytes(id);
    return id;
  }
  // A user created directly in the store (invitations are their own tests), password kPassword.
  store::User create_user(const store::Id& tenant, const std::string& login, store::Role role,
                          const std::string& email = "") {
    store::User u{tenant, new_id(), login, email.empty() ? login + "@example.com" : email, role, phc_, 0, now_};
    EXPECT_TRUE(store_->create_user(u).ok()) << login;
    return u;
  }

  std::string peer_ = "192.0.2.7";
  ApiSetup setup_;
  std::shared_ptr<RecordingLockout> lockout_ = std::make_shared<RecordingLockout>();
  std::shared_ptr<const jwt::KeySet> keys_;
  std::string phc_;  // kPassword hashed by hasher_
  metrics::Factory metrics_{"auth", "test"};
  std::unique_ptr<AuthApi> api_;
};

}  // namespace bw::auth::api
