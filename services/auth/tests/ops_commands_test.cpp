// The operator commands (ops/commands.hpp) and the key-set reload (ops/key_set_reloader.hpp)
// in process: a real SQLite store in a temporary folder, a fake revocation port, an
// injected clock. The real binary is driven by ops_cli_system_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <tuple>

#include "api/signing_keys.hpp"
#include "api_test_support.hpp"
#include "bw/metrics/metrics.hpp"
#include "ops/commands.hpp"
#include "ops/housekeeper.hpp"
#include "ops/key_set_reloader.hpp"
#include "ops/periodic.hpp"
#include "store/errors.hpp"

namespace bw::auth::ops {
namespace {

struct FakeRevocations final : api::Revocations {
  Status publish(const store::Id&, const store::Id& user, std::int64_t epoch) override {
    published.emplace_back(user, epoch);
    if (fail) return Error{1, "redis down"};
    return {};
  }
  Result<std::int64_t> current(const store::Id&, const store::Id&) override { return 0; }
  bool fail = false;
  std::vector<std::pair<store::Id, std::int64_t>> published;
};

class OpsCommandsTest : public api::AuthStoreTest {
 protected:
  OpsCommandsTest() { now_ = 1'750'000'000'000; }
  OpsDeps deps() { return {store_.get(), hasher_.get(), kek_.get(), &revocations_, [this] { return now_; }}; }
  std::vector<std::string> audit_kinds() {
    std::vector<std::string> kinds;
    for (const auto& e : audit_events()) {
      kinds.push_back(e.kind);
      EXPECT_EQ(std::string(e.payload.begin(), e.payload.end()).find("bwot_"), std::string::npos);
    }
    return kinds;
  }
  Result<BootstrapResult> boot(const std::string& slug = "acme") {
    return bootstrap(deps(), slug, "Alice", "Alice@Example.com");
  }
  // A live refresh family for the user; returns its id.
  store::Id session(const store::Id& tenant, const store::Id& user) {
    store::Id family{};
    family[0] = static_cast<std::uint8_t>(++families_);
    EXPECT_TRUE(store_->create_refresh_family({tenant, family, user, now_, now_ + 86'400'000},
                                              {Bytes(32, static_cast<std::uint8_t>(families_)), now_, now_ + 3'600'000}));
    return family;
  }

  FakeRevocations revocations_;
  int families_ = 0;
};

TEST_F(OpsCommandsTest, BootstrapCreatesTheOwnerWithAOneTimePasswordThatVerifies) {
  auto r = boot();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->password.rfind("bwot_", 0), 0u);
  auto tenant = store_->find_tenant_by_slug("acme");
  ASSERT_TRUE(tenant);
  auto user = store_->find_user_by_login(tenant->id, "alice");
  ASSERT_TRUE(user) << "login normalised like the public API";
  EXPECT_EQ(user->email, "alice@example.com");
  EXPECT_EQ(user->role, store::Role::kOwner);
  EXPECT_EQ(user->id, r->user_id);
  EXPECT_TRUE(hasher_->verify(user->password_phc, r->password));
  EXPECT_EQ(user->password_phc.find(r->password), std::string::npos);
  EXPECT_EQ(audit_kinds(), std::vector<std::string>{"tenant_bootstrapped"});
}

TEST_F(OpsCommandsTest, BootstrapOfAnExistingTenantChangesNothing) {
  ASSERT_TRUE(boot());
  auto again = bootstrap(deps(), "ACME", "mallory", "m@example.com");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, static_cast<int>(OpsErrc::kExists));
  auto tenant = store_->find_tenant_by_slug("acme");
  EXPECT_EQ(store_->list_users(tenant->id)->size(), 1u);
  EXPECT_EQ(audit_kinds().size(), 1u);
}

TEST_F(OpsCommandsTest, BootstrapRefusesMalformedArguments) {
  for (const auto& [slug, login, email] : {std::tuple{"-x-", "a", "a@example.com"}, std::tuple{"acme", "a b", "a@example.com"},
                                           std::tuple{"acme", "a", "not-an-email"}}) {
    auto r = bootstrap(deps(), slug, login, email);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, static_cast<int>(OpsErrc::kInvalid)) << slug << login << email;
  }
  EXPECT_FALSE(store_->find_tenant_by_slug("acme"));
}

TEST_F(OpsCommandsTest, ResetPasswordEndsSessionsAndPublishesTheEpoch) {
  auto b = boot();
  ASSERT_TRUE(b);
  const auto family = session(b->tenant_id, b->user_id);
  auto r = reset_password(deps(), "acme", "ALICE");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->published);
  EXPECT_EQ(r->revoke_epoch, 1);
  ASSERT_EQ(revocations_.published.size(), 1u);
  EXPECT_EQ(revocations_.published[0], std::make_pair(b->user_id, std::int64_t{1}));
  EXPECT_TRUE(store_->get_refresh_family(b->tenant_id, family)->revoked_at.has_value());
  auto user = store_->get_user(b->tenant_id, b->user_id);
  EXPECT_TRUE(hasher_->verify(user->password_phc, r->password));
  EXPECT_FALSE(hasher_->verify(user->password_phc, b->password));
  EXPECT_EQ(audit_kinds().back(), "password_reset_by_operator");
}

TEST_F(OpsCommandsTest, AResetWhoseEpochCannotBePublishedSaysSo) {
  ASSERT_TRUE(boot());
  revocations_.fail = true;
  auto r = reset_password(deps(), "acme", "alice");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->published);
  auto no_redis = deps();
  no_redis.revocations = nullptr;
  auto q = reset_password(no_redis, "acme", "alice");
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->published) << "nothing to publish to";
}

TEST_F(OpsCommandsTest, ResetsOfUnknownTenantsOrUsersAreNotFound) {
  ASSERT_TRUE(boot());
  ASSERT_TRUE(boot("other"));
  for (const auto& [slug, login] : {std::pair{"nosuch", "alice"}, std::pair{"acme", "bob"}}) {
    auto p = reset_password(deps(), slug, login);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, static_cast<int>(OpsErrc::kNotFound));
    auto m = reset_mfa(deps(), slug, login);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, static_cast<int>(OpsErrc::kNotFound));
  }
}

TEST_F(OpsCommandsTest, ResetMfaRemovesTotpAndRecoveryCodesAndEndsSessions) {
  auto b = boot();
  ASSERT_TRUE(b);
  auto none = reset_mfa(deps(), "acme", "alice");
  ASSERT_FALSE(none) << "nothing enrolled";
  EXPECT_EQ(none.error().code, static_cast<int>(OpsErrc::kNotFound));
  ASSERT_TRUE(store_->put_totp_secret(b->tenant_id, b->user_id, as_bytes("sealed"), now_));
  ASSERT_TRUE(store_->enable_totp(b->tenant_id, b->user_id));
  ASSERT_TRUE(store_->replace_recovery_codes(b->tenant_id, b->user_id, {Bytes(32, 9)}, now_));
  const auto family = session(b->tenant_id, b->user_id);
  auto r = reset_mfa(deps(), "acme", "alice");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->password.empty());
  EXPECT_EQ(r->revoke_epoch, 1);
  EXPECT_FALSE(store_->get_totp_secret(b->tenant_id, b->user_id));
  EXPECT_FALSE(*store_->use_recovery_code(b->tenant_id, b->user_id, Bytes(32, 9), now_));
  EXPECT_TRUE(store_->get_refresh_family(b->tenant_id, family)->revoked_at.has_value());
  EXPECT_EQ(audit_kinds().back(), "mfa_reset_by_operator");
}

TEST_F(OpsCommandsTest, RotateSigningKeyMakesANewCurrentKeyAndKeepsThePreviousVerifying) {
  auto first = api::load_or_create_key_set(*store_, *kek_, now_);
  ASSERT_TRUE(first);
  const std::string old_kid = first->signing_key()->kid();
  auto r = rotate_signing_key(deps());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(r->kid, old_kid);
  auto keys = api::load_or_create_key_set(*store_, *kek_, now_);
  ASSERT_TRUE(keys) << "the new key opens under the KEK";
  EXPECT_EQ(keys->signing_key()->kid(), r->kid);
  EXPECT_NE(keys->find(old_kid), nullptr);
  auto again = rotate_signing_key(deps());
  ASSERT_TRUE(again);
  auto later = api::load_or_create_key_set(*store_, *kek_, now_);
  EXPECT_EQ(later->find(old_kid), nullptr) << "two rotations retire a key";
  EXPECT_NE(later->find(r->kid), nullptr);
  EXPECT_EQ(audit_kinds(), (std::vector<std::string>{"signing_key_rotated", "signing_key_rotated"}));
}

TEST_F(OpsCommandsTest, TheReloaderReplacesTheLiveSetOnlyWhenTheKeysChanged) {
  metrics::Factory factory("auth", "test");
  auto load = [this] { return api::load_or_create_key_set(*store_, *kek_, now_); };
  auto first = load();
  ASSERT_TRUE(first);
  api::LiveKeySet live(std::make_shared<const jwt::KeySet>(std::move(first.value())));
  const auto held = live.current();
  bool fail = false;
  KeySetReloader reloader(live, [&]() -> Result<jwt::KeySet> {
    if (fail) return Error{1, "database down"};
    return load();
  }, factory);
  EXPECT_FALSE(reloader.reload());
  EXPECT_EQ(live.current(), held) << "an unchanged set is not swapped";
  auto r = rotate_signing_key(deps());
  ASSERT_TRUE(r);
  fail = true;
  EXPECT_FALSE(reloader.reload());
  EXPECT_EQ(live->signing_key()->kid(), held->signing_key()->kid()) << "a failed reload keeps the keys in force";
  fail = false;
  EXPECT_TRUE(reloader.reload());
  EXPECT_EQ(live->signing_key()->kid(), r->kid);
  EXPECT_NE(held->signing_key(), nullptr) << "an old snapshot stays usable";
  const auto text = factory.serialize();
  for (const char* result : {"unchanged", "error", "replaced"}) {
    EXPECT_NE(text.find(std::string("breakwater_auth_key_set_reloads_total{result=\"") + result + "\"}"),
              std::string::npos) << result;
  }
}

TEST_F(OpsCommandsTest, TheHousekeeperDeletesSessionsPastRetentionAndKeepsLiveOnes) {
  auto booted = boot();
  ASSERT_TRUE(booted) << booted.error().message;
  const auto tenant = store_->find_tenant_by_slug("acme")->id;
  const auto user = store_->find_user_by_login(tenant, "alice")->id;
  const store::Id live = session(tenant, user);
  store::Id dead{};
  dead[0] = 0xdd;
  constexpr store::TimeMs kDay = 86'400'000;
  ASSERT_TRUE(store_->create_refresh_family({tenant, dead, user, now_ - 30 * kDay, now_ - 10 * kDay},
                                            {Bytes(32, 0xee), now_ - 30 * kDay, now_ - 29 * kDay}));
  metrics::Factory metrics("auth", "test");
  Housekeeper keeper(store_, std::chrono::hours(24 * 7),
                     [this] { return now_; }, metrics);
  EXPECT_GE(keeper.run_once(), 1);
  EXPECT_FALSE(store_->get_refresh_family(tenant, dead)) << "ended ten days ago, retention seven";
  EXPECT_TRUE(store_->get_refresh_family(tenant, live));
  EXPECT_EQ(keeper.run_once(), 0) << "nothing left to delete";
}

TEST(PeriodicTask, RunsUntilStoppedAndStopsAtOnce) {
  std::atomic<int> runs{0};
  PeriodicTask task;
  task.start(std::chrono::milliseconds(5), [&] { ++runs; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (runs < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_GE(runs.load(), 3);
  const auto before = std::chrono::steady_clock::now();
  task.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
  const int after_stop = runs;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(runs.load(), after_stop);
  task.stop();  // idempotent
  PeriodicTask never;
  never.start(std::chrono::milliseconds(0), [&] { ++runs; });  // interval 0: never runs
}

}  // namespace
}  // namespace bw::auth::ops
