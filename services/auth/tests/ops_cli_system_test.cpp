// The operator commands of the real breakwater-auth binary (bootstrap, reset-password,
// reset-mfa, rotate-signing-key), run against the same SQLite file as a running
// breakwater-auth (public API on, with breakwater-ratelimit and Redis), so each command's
// effect is checked through the public API the way a user would meet it.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "api/revocations.hpp"
#include "api_https_client.hpp"
#include "auth_system_support.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/redis/pool.hpp"
#include "bw/testing/binaries.hpp"
#include "bw/testing/ports.hpp"
#include "bw/testing/temp_dir.hpp"
#include "store/errors.hpp"
#include "store/store.hpp"

namespace bw::testing {
namespace {

constexpr const char* kIssuer = "https://auth.cli.example";
const std::string kKekHex(64, 'd');

struct CliRun {
  int code = -1;
  std::string out, err;
  // The value of the first "name: value" line of stdout.
  std::string field(const std::string& name) const {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(name + ": ", 0) == 0) return line.substr(name.size() + 2);
    }
    return "";
  }
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string unique_slug(const std::string& stem) { return stem + "-" + crypto::hex_encode(crypto::random(4)); }

auth::store::Id id_from_hex(const std::string& hex) {
  auth::store::Id id{};
  auto bytes = crypto::hex_decode(hex);
  EXPECT_TRUE(bytes && bytes->size() == 16) << hex;
  if (bytes && bytes->size() == 16) std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

// The kid in a JWT's header.
std::string kid_of(const std::string& jwt) {
  auto header = crypto::base64url_decode(jwt.substr(0, jwt.find('.')));
  if (!header) return "";
  auto j = nlohmann::json::parse(std::string(header->begin(), header->end()), nullptr, false);
  return j.is_object() && j.contains("kid") ? j["kid"].get<std::string>() : "";
}

class OpsCliSystem : public AuthSystemFixture {
 protected:
  static void SetUpTestSuite() {
    SystemFixture::SetUpTestSuite();
    make_suite_dir("bw-auth-cli-", kKekHex);
    if (HasFatalFailure()) return;
    db_ = (dir_->path() / "auth.db").string();
    start_ratelimit_and_auth(kIssuer, db_, {"BREAKWATER_AUTH_KEY_RELOAD_INTERVAL=1s"});
  }

  // breakwater-auth <args>, configured like the running service (same database and KEK).
  // `extra` ("KEY=VALUE") replaces the same variable of the service's environment.
  static CliRun cli(std::vector<std::string> args, const std::vector<std::string>& extra = {}) {
    auto binary = built_binary("breakwater-auth");
    EXPECT_TRUE(binary);
    auto env = service_env("auth", free_loopback_port(), free_loopback_port());
    env.push_back("BREAKWATER_AUTH_SQLITE_PATH=" + db_);
    env.push_back("BREAKWATER_AUTH_KEK_FILE=" + kek_file_);
    for (const auto& e : extra) {
      const auto name = e.substr(0, e.find('=') + 1);
      std::erase_if(env, [&](const std::string& have) { return have.rfind(name, 0) == 0; });
      env.push_back(e);
    }
    auto child = ChildProcess::spawn({.program = binary->string(), .args = std::move(args), .env = env, .log_name = "cli"});
    EXPECT_TRUE(child) << child.error().message;
    if (!child) return {};
    auto status = child->wait_exit(std::chrono::seconds(30));
    EXPECT_TRUE(status) << child->output();
    CliRun r{status ? status->code : -1, read_file(child->stdout_path()), read_file(child->stderr_path())};
    secrets_.push_back(r.field("password"));
    return r;
  }

  static ApiReply post(const std::string& path, const nlohmann::json& body) {
    return api_call(port_, ca_file(), "POST", path, body.dump());
  }
  static ApiReply login(const std::string& slug, const std::string& login, const std::string& password) {
    return post("/v1/login", {{"tenant", slug}, {"login", login}, {"password", password}});
  }
  static ApiReply me(const std::string& token) {
    return api_call(port_, ca_file(), "GET", "/v1/me", "", {{"Authorization", "Bearer " + token}});
  }
  static nlohmann::json body(const ApiReply& r) { return nlohmann::json::parse(r.body, nullptr, false); }
  static std::unique_ptr<auth::store::Store> open_db() {
    auto s = auth::store::open_store({.database_url = "", .sqlite_path = db_}, 0);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(s.value()) : nullptr;
  }
  // A bootstrapped tenant: its slug and the run that made it.
  static std::pair<std::string, CliRun> bootstrap(const std::string& stem) {
    const std::string slug = unique_slug(stem);
    auto r = cli({"bootstrap", "--tenant", slug, "--login", "alice", "--email", "alice@example.com"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    return {slug, r};
  }

  static inline std::string db_;
  static inline std::vector<std::string> secrets_;  // every password a command printed
};

TEST_F(OpsCliSystem, BootstrapPrintsAOneTimePasswordThatSignsInAndRefusesASecondRun) {
  const auto [slug, run] = bootstrap("boot");
  const std::string password = run.field("password");
  EXPECT_EQ(password.rfind("bwot_", 0), 0u) << run.out;
  EXPECT_NE(run.out.find("change it"), std::string::npos);
  const auto l = login(slug, "alice", password);
  ASSERT_EQ(l.status, 200) << l.body;
  EXPECT_EQ(body(me(body(l)["access_token"]))["role"], "owner");

  auto again = cli({"bootstrap", "--tenant", slug, "--login", "mallory", "--email", "m@example.com"});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(again.field("password"), "") << "a refused bootstrap prints no credential";
  EXPECT_EQ(login(slug, "alice", password).status, 200) << "the first owner is untouched";
  EXPECT_EQ(login(slug, "mallory", "bwot_guess-of-a-password").status, 401) << "no second user was made";
}

TEST_F(OpsCliSystem, UsageErrorsExitTwoAndHelpListsTheCommands) {
  EXPECT_EQ(cli({"bootstrap", "--tenant", unique_slug("u")}).code, 2);
  const auto unknown = cli({"bootstrap", "--bogus", "1"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("--bogus"), std::string::npos);
  EXPECT_EQ(cli({"bootstrap", "--tenant", "-bad-", "--login", "a", "--email", "a@example.com"}).code, 2);
  const auto help = cli({"reset-mfa", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--tenant TENANT --login LOGIN"), std::string::npos) << help.out;
  const auto top = cli({"--help"});
  EXPECT_EQ(top.code, 0);
  EXPECT_NE(top.out.find("rotate-signing-key"), std::string::npos);
  const auto nobody = cli({"reset-password", "--tenant", unique_slug("none"), "--login", "alice"});
  EXPECT_EQ(nobody.code, 1);
  EXPECT_NE(nobody.err.find("no such tenant"), std::string::npos) << nobody.err;
}

TEST_F(OpsCliSystem, ResetPasswordEndsEverySessionAndPrintsANewOneTimePassword) {
  const auto [slug, boot] = bootstrap("reset");
  const auto l = login(slug, "alice", boot.field("password"));
  ASSERT_EQ(l.status, 200) << l.body;
  const std::string access = body(l)["access_token"], refresh = body(l)["refresh_token"];

  const auto r = cli({"reset-password", "--tenant", slug, "--login", "alice"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string fresh = r.field("password");
  EXPECT_EQ(fresh.rfind("bwot_", 0), 0u);
  EXPECT_NE(fresh, boot.field("password"));
  EXPECT_EQ(me(access).status, 401) << "the access token died with the epoch";
  EXPECT_EQ(post("/v1/token/refresh", {{"tenant", slug}, {"refresh_token", refresh}}).status, 401);
  EXPECT_EQ(login(slug, "alice", boot.field("password")).status, 401);
  EXPECT_EQ(login(slug, "alice", fresh).status, 200);
  // The epoch reached Redis, where services without the database (the relay) read it.
  auto pool = std::make_shared<redis::Pool>(
      redis::ConnectionOptions{.port = redis().port(), .password = redis().password()}, 1);
  auto published = auth::api::make_redis_revocations(pool)->current(id_from_hex(boot.field("tenant_id")),
                                                                    id_from_hex(boot.field("user_id")));
  ASSERT_TRUE(published) << published.error().message;
  EXPECT_EQ(*published, 1);
  EXPECT_EQ(cli({"reset-password", "--tenant", slug, "--login", "nobody"}).code, 1);
}

TEST_F(OpsCliSystem, AResetThatCannotReachRedisIsDoneButExitsThree) {
  const auto [slug, boot] = bootstrap("noredis");
  const auto r = cli({"reset-password", "--tenant", slug, "--login", "alice"},
                     {"BREAKWATER_REDIS_ADDRESS=127.0.0.1:" + std::to_string(free_loopback_port())});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("could not be published"), std::string::npos) << r.err;
  EXPECT_EQ(login(slug, "alice", r.field("password")).status, 200) << "the reset itself is done";
  EXPECT_EQ(login(slug, "alice", boot.field("password")).status, 401);
}

TEST_F(OpsCliSystem, ResetMfaRemovesTotpAndRecoveryCodesAndEndsSessions) {
  const auto [slug, boot] = bootstrap("mfa");
  const auto tenant = id_from_hex(boot.field("tenant_id"));
  const auto user = id_from_hex(boot.field("user_id"));
  // Signed in before the enrolment, so the session does not depend on the login's TOTP step.
  const auto l = login(slug, "alice", boot.field("password"));
  ASSERT_EQ(l.status, 200) << l.body;
  const std::string refresh = body(l)["refresh_token"];
  {
    auto s = open_db();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->put_totp_secret(tenant, user, as_bytes("sealed-secret-stand-in"), 1));
    ASSERT_TRUE(s->enable_totp(tenant, user));
    ASSERT_TRUE(s->replace_recovery_codes(tenant, user, {Bytes(32, 7)}, 1));
  }

  const auto r = cli({"reset-mfa", "--tenant", slug, "--login", "alice"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.field("password"), "");
  EXPECT_EQ(post("/v1/token/refresh", {{"tenant", slug}, {"refresh_token", refresh}}).status, 401);
  auto s = open_db();
  ASSERT_TRUE(s);
  auto secret = s->get_totp_secret(tenant, user);
  ASSERT_FALSE(secret);
  EXPECT_TRUE(auth::store::has_code(secret.error(), auth::store::Errc::kNotFound));
  auto code = s->use_recovery_code(tenant, user, Bytes(32, 7), 2);
  EXPECT_FALSE(code && *code) << "the recovery code is gone";

  const auto again = cli({"reset-mfa", "--tenant", slug, "--login", "alice"});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("no TOTP"), std::string::npos) << again.err;
}

TEST_F(OpsCliSystem, ARotatedKeySignsOnTheRunningServiceAfterReloadAndTheOldOneStillVerifies) {
  const auto [slug, boot] = bootstrap("rotate");
  const auto before = login(slug, "alice", boot.field("password"));
  ASSERT_EQ(before.status, 200) << before.body;
  const std::string old_token = body(before)["access_token"];
  const auto r = cli({"rotate-signing-key"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string kid = r.field("kid");
  ASSERT_FALSE(kid.empty()) << r.out;
  EXPECT_NE(kid, kid_of(old_token));

  std::string new_token;
  for (int i = 0; i < 100 && kid_of(new_token) != kid; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto l = login(slug, "alice", boot.field("password"));
    ASSERT_EQ(l.status, 200) << l.body;
    new_token = body(l)["access_token"];
  }
  ASSERT_EQ(kid_of(new_token), kid) << "the running service did not pick the new key up";
  EXPECT_EQ(me(new_token).status, 200);
  EXPECT_EQ(me(old_token).status, 200) << "the previous key keeps verifying";
  const auto jwks = api_call(port_, ca_file(), "GET", "/.well-known/jwks.json").body;
  EXPECT_NE(jwks.find(kid), std::string::npos);
  EXPECT_NE(jwks.find(kid_of(old_token)), std::string::npos);
}

TEST_F(OpsCliSystem, EveryCommandIsAuditedAndNoSecretReachesTheServiceLogOrTheAudit) {
  const auto [slug, boot] = bootstrap("audit");
  ASSERT_EQ(cli({"reset-password", "--tenant", slug, "--login", "alice"}).code, 0);
  ASSERT_EQ(cli({"rotate-signing-key"}).code, 0);
  auto s = open_db();
  ASSERT_TRUE(s);
  auto events = s->peek_audit_events(10'000);
  ASSERT_TRUE(events);
  std::set<std::string> kinds;
  std::string payloads;
  for (const auto& e : *events) {
    kinds.insert(e.kind);
    payloads += std::string(e.payload.begin(), e.payload.end());
  }
  for (const char* kind : {"tenant_bootstrapped", "password_reset_by_operator", "signing_key_rotated"}) {
    EXPECT_TRUE(kinds.contains(kind)) << kind;
  }
  EXPECT_NE(payloads.find("\"actor\":\"operator\""), std::string::npos);
  EXPECT_EQ(payloads.find("bwot_"), std::string::npos);
  const std::string log = auth_->process.output();
  EXPECT_EQ(log.find("bwot_"), std::string::npos);
  for (const auto& secret : secrets_) {
    if (!secret.empty()) {
      EXPECT_EQ(log.find(secret.substr(5)), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace bw::testing
