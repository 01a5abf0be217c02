// The auth public API end to end: the real breakwater-auth and breakwater-ratelimit
// binaries, a real Redis, SQLite in a temporary folder, HTTPS verified against the dev CA.
// The suite seeds the signing key itself (sealed under the same KEK the service reads), so
// it can mint validly signed tokens that must still be refused (expired, other issuer).
#include <gtest/gtest.h>

#include <functional>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "api/revocations.hpp"
#include "api/signing_keys.hpp"
#include "api_https_client.hpp"
#include "auth_system_support.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/jwt/jwt.hpp"
#include "bw/redis/connection.hpp"
#include "bw/redis/pool.hpp"
#include "bw/testing/ports.hpp"
#include "bw/testing/temp_dir.hpp"
#include "tls_probe.hpp"

namespace bw::testing {
namespace {

constexpr const char* kIssuer = "https://auth.test.example";
constexpr const char* kAudience = "breakwater-test";
constexpr const char* kKid = "test-kid-1";
constexpr const char* kPassword = "correct horse battery staple 42";
const std::string kKekHex(64, 'a');

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string unique_slug(const std::string& stem) {
  return stem + "-" + crypto::hex_encode(crypto::random(4));
}

class AuthApiSystem : public AuthSystemFixture {
 protected:
  static void SetUpTestSuite() {
    SystemFixture::SetUpTestSuite();
    make_suite_dir("bw-auth-api-", kKekHex);
    if (HasFatalFailure()) return;
    seed_ = crypto::random(32);
    const std::string db = (dir_->path() / "auth.db").string();
    {
      auto store = auth::store::open_store({.database_url = "", .sqlite_path = db}, now_s() * 1000);
      ASSERT_TRUE(store) << store.error().message;
      auto ring = auth::api::kek_from_file_text("kek1", kKekHex);
      ASSERT_TRUE(ring) << ring.error().message;
      auto row = auth::api::seal_signing_key(*ring, kKid, seed_, now_s() * 1000);
      ASSERT_TRUE(row) << row.error().message;
      ASSERT_TRUE((*store)->rotate_signing_key(*row));
    }
    start_ratelimit_and_auth(kIssuer, db, {std::string("BREAKWATER_AUTH_AUDIENCE=") + kAudience});
  }
  // A second breakwater-auth over `db`, on a free `port`, asking the ratelimit service at `ratelimit`.
  static Result<RunningService> start_auth(const std::string& db, const std::string& ratelimit, std::uint16_t& port) {
    port = free_loopback_port();
    auto env = public_auth_env(port, kIssuer, kek_file_, db, ratelimit);
    env.push_back(std::string("BREAKWATER_AUTH_AUDIENCE=") + kAudience);
    return start_service("auth", std::move(env));
  }

  static ApiReply call(const std::string& method, const std::string& path, const std::string& body = "",
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    return api_call(port_, ca_file(), method, path, body, std::move(headers));
  }
  static ApiReply post(const std::string& path, const nlohmann::json& body) { return call("POST", path, body.dump()); }
  static nlohmann::json body(const ApiReply& r) { return nlohmann::json::parse(r.body, nullptr, false); }

  // Signs up a fresh tenant with its owner; returns the slug.
  static std::string signup(const std::string& stem, const std::string& login = "alice") {
    const std::string slug = unique_slug(stem);
    const auto r = post("/v1/signup", {{"tenant", slug}, {"login", login}, {"email", login + "@example.com"},
                                       {"password", kPassword}});
    EXPECT_EQ(r.status, 201) << r.body;
    return slug;
  }
  static ApiReply login(const std::string& slug, const std::string& password, const std::string& user = "alice") {
    return post("/v1/login", {{"tenant", slug}, {"login", user}, {"password", password}});
  }
  static ApiReply me(const std::string& token) { return call("GET", "/v1/me", "", {{"Authorization", "Bearer " + token}}); }

  // A token signed with the service's real key, with claims changed by `edit`.
  template <class Edit>
  static std::string real_key_token(Edit edit) {
    auto key = jwt::SigningKey::from_seed(kKid, seed_);
    EXPECT_TRUE(key);
    jwt::Claims c;
    c.issuer = kIssuer;
    c.audience = {kAudience};
    c.subject = std::string(32, '0');
    c.tenant = std::string(32, '0');
    c.role = "owner";
    c.session = std::string(32, '0');
    c.token_id = "t1";
    c.issued_at = now_s();
    c.expires_at = now_s() + 300;
    edit(c);
    auto t = jwt::sign(*key, c, jwt::TokenKind::kAccess);
    EXPECT_TRUE(t) << t.error().message;
    return t ? *t : "";
  }

  // The suite's Redis, which breakwater-auth publishes revocation epochs to.
  static redis::ConnectionOptions suite_redis() {
    redis::ConnectionOptions o;
    o.port = redis().port();
    o.password = redis().password();
    return o;
  }

  static inline Bytes seed_;
};

TEST_F(AuthApiSystem, SignUpLogInMeRefreshAndReuseRevokesTheFamily) {
  const auto slug = signup("flow");
  const auto l = login(slug, kPassword);
  ASSERT_EQ(l.status, 200) << l.body;
  const auto tokens = body(l);
  EXPECT_EQ(tokens["token_type"], "Bearer");
  EXPECT_EQ(tokens["expires_in"], 300);
  const std::string first_refresh = tokens["refresh_token"];
  EXPECT_EQ(first_refresh.rfind("bwrt_", 0), 0u);

  const auto m = me(tokens["access_token"]);
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(body(m)["role"], "owner");
  EXPECT_EQ(body(m)["login"], "alice");

  const auto r1 = post("/v1/token/refresh", {{"tenant", slug}, {"refresh_token", first_refresh}});
  ASSERT_EQ(r1.status, 200) << r1.body;
  const std::string second_refresh = body(r1)["refresh_token"];
  EXPECT_NE(second_refresh, first_refresh);
  EXPECT_EQ(me(body(r1)["access_token"]).status, 200);

  const auto reused = post("/v1/token/refresh", {{"tenant", slug}, {"refresh_token", first_refresh}});
  EXPECT_EQ(reused.status, 401) << reused.body;
  EXPECT_EQ(body(reused)["error"], "invalid_grant");
  const auto after = post("/v1/token/refresh", {{"tenant", slug}, {"refresh_token", second_refresh}});
  EXPECT_EQ(after.status, 401) << "the family must be revoked by the reuse: " << after.body;
}

TEST_F(AuthApiSystem, LogoutRevokesTheFamily) {
  const auto slug = signup("logout");
  const auto l = login(slug, kPassword);
  ASSERT_EQ(l.status, 200) << l.body;
  const std::string refresh = body(l)["refresh_token"];
  const auto out = post("/v1/logout", {{"tenant", slug}, {"refresh_token", refresh}});
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_EQ(post("/v1/token/refresh", {{"tenant", slug}, {"refresh_token", refresh}}).status, 401);
  EXPECT_EQ(post("/v1/logout", {{"tenant", slug}, {"refresh_token", refresh}}).status, 204);
}

TEST_F(AuthApiSystem, WrongPasswordUnknownUserAndUnknownTenantAnswerIdentically) {
  const auto slug = signup("same");
  const auto wrong = login(slug, "not the password at all");
  const auto unknown_user = login(slug, "not the password at all", "mallory");
  const auto unknown_tenant = login(unique_slug("nosuch"), "not the password at all");
  EXPECT_EQ(wrong.status, 401);
  for (const auto* r : {&unknown_user, &unknown_tenant}) {
    EXPECT_EQ(r->status, wrong.status);
    EXPECT_EQ(r->body, wrong.body);
  }
  EXPECT_EQ(wrong.body.find("not the password"), std::string::npos);
}

TEST_F(AuthApiSystem, FiftyParallelWrongPasswordsNeverPassTheLockout) {
  const auto slug = signup("lockout");
  std::atomic<int> unauthorized{0}, locked{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      const auto r = login(slug, "wrong password guess");
      (r.status == 401 ? unauthorized : r.status == 429 ? locked : other)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unauthorized.load(), 10) << "exactly the account threshold may be verified";
  EXPECT_EQ(locked.load(), 40);
  EXPECT_EQ(other.load(), 0);
  const auto right = login(slug, kPassword);
  EXPECT_EQ(right.status, 429) << "a locked account refuses even the right password";
  EXPECT_FALSE(right.header("retry-after").empty());
  EXPECT_EQ(right.body.find("access_token"), std::string::npos);
  // Every outcome moves a metric, without ids in the labels.
  const auto metrics = https_get(auth_->ops_port, ca_file(), "/metrics").body;
  EXPECT_NE(metrics.find("breakwater_auth_logins_total{result=\"locked\"}"), std::string::npos);
  EXPECT_NE(metrics.find("breakwater_auth_logins_total{result=\"wrong_password\"}"), std::string::npos);
  EXPECT_EQ(metrics.find(slug), std::string::npos);
}

TEST_F(AuthApiSystem, ReadinessIncludesTheDatabase) {
  const auto readyz = https_get(auth_->ops_port, ca_file(), "/readyz");
  EXPECT_EQ(readyz.status, 200) << readyz.body;
  EXPECT_NE(readyz.body.find("\"database\":true"), std::string::npos) << readyz.body;
}

TEST_F(AuthApiSystem, LockoutServiceUnreachableFailsClosed) {
  const std::string db = (dir_->path() / "down.db").string();
  std::uint16_t port = 0;
  auto svc = start_auth(db, "127.0.0.1:" + std::to_string(free_loopback_port()), port);
  ASSERT_TRUE(svc) << svc.error().message;
  const auto s = api_call(port, ca_file(), "POST", "/v1/signup",
                          nlohmann::json{{"tenant", unique_slug("down")}, {"login", "bob"}, {"email", "bob@example.com"},
                                         {"password", kPassword}}.dump());
  ASSERT_EQ(s.status, 201) << s.body;
  const auto r = api_call(port, ca_file(), "POST", "/v1/login",
                          nlohmann::json{{"tenant", "whatever"}, {"login", "bob"}, {"password", kPassword}}.dump());
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.body.find("access_token"), std::string::npos);
  // A fresh database got a generated key: the key set is published.
  EXPECT_NE(api_call(port, ca_file(), "GET", "/.well-known/jwks.json").body.find("\"kty\":\"OKP\""), std::string::npos);
}

TEST_F(AuthApiSystem, MeRefusesForgedNoneExpiredAndForeignTokens) {
  // The control: a token signed with the real key for a real user passes.
  const std::string slug = unique_slug("forged");
  const auto s = post("/v1/signup", {{"tenant", slug}, {"login", "erin"}, {"email", "erin@example.com"},
                                     {"password", kPassword}});
  ASSERT_EQ(s.status, 201) << s.body;
  const std::string tid = body(s)["tenant_id"], uid = body(s)["user_id"];
  // A live session to name (sid), as a real login makes one.
  const auto l = login(slug, kPassword, "erin");
  ASSERT_EQ(l.status, 200) << l.body;
  const auto keys = jwt::KeySet::from_jwks(call("GET", "/.well-known/jwks.json").body);
  ASSERT_TRUE(keys);
  const auto issued = jwt::verify(*keys, body(l)["access_token"].get<std::string>(), {kIssuer, kAudience}, now_s());
  ASSERT_TRUE(issued);
  const auto for_user = [&](jwt::Claims& k) {
    k.tenant = tid;
    k.subject = uid;
    k.session = issued->session;
    k.revocation_epoch = 0;
  };
  ASSERT_EQ(me(real_key_token(for_user)).status, 200);
  // Every check of a live session and epoch: a token without rev, with a stale epoch, or
  // naming a session that does not exist is refused.
  for (const auto& edit : std::vector<std::function<void(jwt::Claims&)>>{
           [](jwt::Claims& k) { k.revocation_epoch.reset(); }, [](jwt::Claims& k) { k.revocation_epoch = 1; },
           [](jwt::Claims& k) { k.session = std::string(32, '0'); }}) {
    EXPECT_EQ(me(real_key_token([&](jwt::Claims& k) {
      for_user(k);
      edit(k);
    })).status, 401);
  }
  auto other = jwt::SigningKey::generate(kKid);
  ASSERT_TRUE(other);
  jwt::Claims c;
  c.issuer = kIssuer;
  c.audience = {kAudience};
  c.subject = uid;
  c.tenant = tid;
  c.role = "owner";
  c.session = std::string(32, '0');
  c.token_id = "x";
  c.issued_at = now_s();
  c.expires_at = now_s() + 300;
  const std::string forged = *jwt::sign(*other, c, jwt::TokenKind::kAccess);
  const std::string valid = real_key_token(for_user);
  const std::string payload = valid.substr(valid.find('.') + 1, valid.rfind('.') - valid.find('.') - 1);
  const std::string none = crypto::base64url_encode(as_bytes(R"({"alg":"none","typ":"at+jwt"})")) + "." + payload + ".";
  const std::string expired = real_key_token([&](jwt::Claims& k) {
    for_user(k);
    k.issued_at = now_s() - 1000;
    k.expires_at = now_s() - 700;
  });
  const std::string foreign_issuer = real_key_token([&](jwt::Claims& k) {
    for_user(k);
    k.issuer = "https://evil.example";
  });
  const std::string foreign_audience = real_key_token([&](jwt::Claims& k) {
    for_user(k);
    k.audience = {"other"};
  });
  for (const auto& token : {forged, none, expired, foreign_issuer, foreign_audience, std::string("garbage")}) {
    const auto r = me(token);
    EXPECT_EQ(r.status, 401) << token;
    EXPECT_NE(r.header("www-authenticate").find("Bearer"), std::string::npos);
    EXPECT_EQ(body(r)["error"], "invalid_token");
  }
  EXPECT_EQ(call("GET", "/v1/me").status, 401);
}

TEST_F(AuthApiSystem, JwksVerifiesATokenFromLogin) {
  const auto slug = signup("jwks");
  const auto l = login(slug, kPassword);
  ASSERT_EQ(l.status, 200) << l.body;
  const auto j = call("GET", "/.well-known/jwks.json");
  ASSERT_EQ(j.status, 200);
  EXPECT_NE(j.header("cache-control").find("max-age"), std::string::npos);
  EXPECT_EQ(j.body.find("\"d\""), std::string::npos);
  auto keys = jwt::KeySet::from_jwks(j.body);
  ASSERT_TRUE(keys) << keys.error().message;
  auto claims = jwt::verify(*keys, body(l)["access_token"].get<std::string>(), {kIssuer, kAudience}, now_s());
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->role, "owner");
  EXPECT_TRUE(claims->session.has_value());
}

TEST_F(AuthApiSystem, MalformedOversizedAndUnknownFieldsAnswer400NamingTheField) {
  const auto wrong_type = call("POST", "/v1/login", R"({"tenant":"acme","login":"a","password":12})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(body(wrong_type)["message"].get<std::string>().find("password"), std::string::npos) << wrong_type.body;
  const auto oversized = post("/v1/login", {{"tenant", "acme"}, {"login", "a"}, {"password", std::string(2000, 'x')}});
  EXPECT_EQ(oversized.status, 400);
  EXPECT_NE(body(oversized)["message"].get<std::string>().find("password"), std::string::npos) << oversized.body;
  EXPECT_EQ(oversized.body.find("xxxx"), std::string::npos);
  const auto typo = call("POST", "/v1/login", R"({"tenant":"acme","login":"a","password":"p","pasword":"p"})");
  EXPECT_EQ(typo.status, 400);
  EXPECT_NE(typo.body.find("pasword"), std::string::npos) << typo.body;
  const auto syntax = call("POST", "/v1/signup", R"({"tenant":)");
  EXPECT_EQ(syntax.status, 400);
  EXPECT_EQ(body(syntax)["error"], "invalid_request");
  const auto weak = post("/v1/signup", {{"tenant", unique_slug("weak")}, {"login", "carol"},
                                        {"email", "carol@example.com"}, {"password", "short"}});
  EXPECT_EQ(weak.status, 400);
  EXPECT_NE(body(weak)["message"].get<std::string>().find("password"), std::string::npos) << weak.body;
}

TEST_F(AuthApiSystem, ATakenTenantIsAConflictWithAGenericMessage) {
  const auto slug = signup("taken");
  const auto again = post("/v1/signup", {{"tenant", slug}, {"login", "dave"}, {"email", "dave@example.com"},
                                         {"password", kPassword}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(body(again)["error"], "conflict");
  EXPECT_EQ(again.body.find(slug), std::string::npos);
}

TEST_F(AuthApiSystem, TokenResponsesCarryTheSecurityHeaders) {
  const auto slug = signup("headers");
  const auto l = login(slug, kPassword);
  ASSERT_EQ(l.status, 200);
  EXPECT_NE(l.header("content-security-policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(l.header("x-frame-options"), "DENY");
  EXPECT_EQ(l.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(l.header("cache-control"), "no-store");
  EXPECT_FALSE(l.header("strict-transport-security").empty());
  EXPECT_EQ(call("GET", "/v1/nothing").status, 404);
}

using auth::api::kEpochTtl;
using auth::api::make_redis_revocations;
using auth::api::revocation_key;
namespace store = auth::store;

TEST_F(AuthApiSystem, SignOutEverywherePublishesTheEpochToRedisWithABoundedLifetime) {
  const auto slug = signup("epoch");
  const auto l = login(slug, kPassword);
  ASSERT_EQ(l.status, 200) << l.body;
  const std::string access = body(l)["access_token"];
  const auto r = call("POST", "/v1/me/sign-out-everywhere", "", {{"Authorization", "Bearer " + access}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r)["immediate"], true);
  EXPECT_EQ(me(access).status, 401);
  auto claims = jwt::verify(*jwt::KeySet::from_jwks(call("GET", "/.well-known/jwks.json").body), access,
                            {kIssuer, kAudience}, now_s());
  ASSERT_TRUE(claims);
  store::Id tenant{}, user{};
  const auto t = crypto::hex_decode(claims->tenant), u = crypto::hex_decode(claims->subject);
  std::copy(t->begin(), t->end(), tenant.begin());
  std::copy(u->begin(), u->end(), user.begin());
  redis::Connection c(suite_redis());
  auto value = c.command({"GET", revocation_key(tenant, user)});
  ASSERT_TRUE(value) << value.error().message;
  ASSERT_TRUE(value->is_string()) << value->debug_string();
  EXPECT_EQ(value->as_string(), "1");
  auto ttl = c.command({"PTTL", revocation_key(tenant, user)});
  ASSERT_TRUE(ttl && ttl->is_integer());
  EXPECT_GT(ttl->as_integer(), 0);
  EXPECT_LE(ttl->as_integer(), std::chrono::milliseconds(kEpochTtl).count());
}

TEST_F(AuthApiSystem, PublishedEpochsOnlyEverRise) {
  auto pool = std::make_shared<redis::Pool>(suite_redis(), 2);
  auto revocations = make_redis_revocations(pool);
  store::Id tenant{}, user{};
  crypto::random_bytes(tenant);
  crypto::random_bytes(user);
  EXPECT_EQ(*revocations->current(tenant, user), 0);
  ASSERT_TRUE(revocations->publish(tenant, user, 5));
  ASSERT_TRUE(revocations->publish(tenant, user, 3));  // a late, older publisher
  EXPECT_EQ(*revocations->current(tenant, user), 5);
  ASSERT_TRUE(revocations->publish(tenant, user, 6));
  EXPECT_EQ(*revocations->current(tenant, user), 6);
  // The key carries its user in a hash tag, so one user's epoch lives in one cluster slot.
  EXPECT_NE(revocation_key(tenant, user).find('{'), std::string::npos);
}

}  // namespace
}  // namespace bw::testing
