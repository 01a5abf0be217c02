// Store contract, part 1: migrations, tenants and users, refresh-token families.
// Compiled into both backends' executables; each instantiates StoreTest with its backend.
#include <atomic>
#include <thread>
#include <vector>

#include "store_fixture.hpp"

namespace bw::auth::store::testing {
namespace {

TEST_P(StoreTest, MigratesAnEmptyDatabaseToTheNewestVersion) {
  auto version = schema_version(db());
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, builtin_migrations().back().version);
  EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<std::int64_t>(builtin_migrations().size()));
}

TEST_P(StoreTest, RerunningMigrationsChangesNothing) {
  auto again = migrate(db(), builtin_migrations(), kT0 + 1);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, builtin_migrations().back().version);
  EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<std::int64_t>(builtin_migrations().size()));
  EXPECT_EQ(count("SELECT COUNT(*) FROM tenants"), 1);
}

TEST_P(StoreTest, RefusesADatabaseNewerThanTheBinary) {
  auto older_binary = builtin_migrations().first(builtin_migrations().size() - 1);
  EXPECT_ERRC(migrate(db(), older_binary, kT0), Errc::kSchemaTooNew);
}

TEST_P(StoreTest, AFailingMigrationLeavesNoTrace) {
  std::vector<Migration> list(builtin_migrations().begin(), builtin_migrations().end());
  list.push_back({list.back().version + 1, "9999_broken.sql",
                  "CREATE TABLE half_done (a INTEGER); SELECT * FROM no_such_table;"});
  EXPECT_FALSE(migrate(db(), list, kT0).ok());
  EXPECT_EQ(*schema_version(db()), builtin_migrations().back().version);
  auto lease = db().acquire();
  EXPECT_FALSE((*lease)->query("SELECT COUNT(*) FROM half_done", {}).ok());
}

TEST_P(StoreTest, CreatesTenantWithOwnerAndFindsTheOwnerByLogin) {
  auto tenant = store().get_tenant(tenant_);
  ASSERT_TRUE(tenant.ok()) << tenant.error().message;
  EXPECT_EQ(tenant->slug, "acme");
  EXPECT_EQ(store().find_tenant_by_slug("acme")->id, tenant_);
  auto owner = store().find_user_by_login(tenant_, "owner@acme");
  ASSERT_TRUE(owner.ok()) << owner.error().message;
  EXPECT_EQ(owner->id, owner_);
  EXPECT_EQ(owner->role, Role::kOwner);
  EXPECT_EQ(owner->password_phc, "$argon2id$v=19$x");
  EXPECT_FALSE(owner->disabled_at.has_value());
}

TEST_P(StoreTest, ATakenSlugIsAConflictAndCreatesNoOwner) {
  Tenant t{new_id(), "acme", "again", false, kT0};
  User u{t.id, new_id(), "x", "x@example", Role::kOwner, "phc", 0, kT0};
  EXPECT_ERRC(store().create_tenant_with_owner(t, u), Errc::kConflict);
  EXPECT_ERRC(store().get_tenant(t.id), Errc::kNotFound);
  EXPECT_EQ(count("SELECT COUNT(*) FROM users"), 1);
}

TEST_P(StoreTest, LoginsAreUniquePerTenantNotGlobally) {
  const Id other = seed_tenant("globex");
  User same_login{other, new_id(), "owner@acme", "someone@globex.example", Role::kMember, "phc", 0, kT0};
  EXPECT_TRUE(store().create_user(same_login).ok());
  User dup{tenant_, new_id(), "owner@acme", "fresh@acme.example", Role::kMember, "phc", 0, kT0};
  EXPECT_ERRC(store().create_user(dup), Errc::kConflict);
  User dup_email{tenant_, new_id(), "fresh", "owner@acme.example", Role::kMember, "phc", 0, kT0};
  EXPECT_ERRC(store().create_user(dup_email), Errc::kConflict);
}

TEST_P(StoreTest, MfaRequiredIsATenantSetting) {
  ASSERT_TRUE(store().set_mfa_required(tenant_, true).ok());
  EXPECT_TRUE(store().get_tenant(tenant_)->mfa_required);
  EXPECT_ERRC(store().set_mfa_required(new_id(), true), Errc::kNotFound);
}

TEST_P(StoreTest, UsersAreListedAndRolesChange) {
  User member{tenant_, new_id(), "member", "member@acme.example", Role::kMember, "phc", 0, kT0 + 1};
  ASSERT_TRUE(store().create_user(member).ok());
  auto users = store().list_users(tenant_);
  ASSERT_TRUE(users.ok()) << users.error().message;
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].id, owner_);
  EXPECT_EQ((*users)[1].id, member.id);
  ASSERT_TRUE(store().set_user_role(tenant_, member.id, Role::kAdmin).ok());
  EXPECT_EQ(store().get_user(tenant_, member.id)->role, Role::kAdmin);
}

TEST_P(StoreTest, TheLastOwnerCannotBeDemotedOrDisabled) {
  EXPECT_ERRC(store().set_user_role(tenant_, owner_, Role::kAdmin), Errc::kConflict);
  EXPECT_ERRC(store().disable_user(tenant_, owner_, kT0), Errc::kConflict);
  User second{tenant_, new_id(), "second", "second@acme.example", Role::kMember, "phc", 0, kT0};
  ASSERT_TRUE(store().create_user(second).ok());
  ASSERT_TRUE(store().set_user_role(tenant_, second.id, Role::kOwner).ok());
  ASSERT_TRUE(store().disable_user(tenant_, second.id, kT0).ok());  // a disabled owner does not count
  EXPECT_ERRC(store().set_user_role(tenant_, owner_, Role::kViewer), Errc::kConflict);
  EXPECT_EQ(store().get_user(tenant_, owner_)->role, Role::kOwner);
}

TEST_P(StoreTest, DisablingAUserEndsTheirSessions) {
  User member{tenant_, new_id(), "member", "member@acme.example", Role::kMember, "phc", 0, kT0};
  ASSERT_TRUE(store().create_user(member).ok());
  const Id family = new_id();
  start_family(tenant_, member.id, family);
  ASSERT_TRUE(store().disable_user(tenant_, member.id, kT0 + 3).ok());
  auto user = store().get_user(tenant_, member.id);
  EXPECT_EQ(user->disabled_at, kT0 + 3);
  EXPECT_EQ(user->revoke_epoch, 1);
  EXPECT_EQ(store().get_refresh_family(tenant_, family)->revoke_reason, "user_disabled");
}

TEST_P(StoreTest, ConcurrentDemotionsOfTheLastTwoOwnersLeaveOne) {
  User second{tenant_, new_id(), "second", "second@acme.example", Role::kOwner, "phc", 0, kT0};
  ASSERT_TRUE(store().create_user(second).ok());
  for (int round = 0; round < 10; ++round) {
    std::atomic<int> ok{0};
    std::atomic<bool> go{false};
    std::thread a([&] { while (!go) std::this_thread::yield(); ok += store().set_user_role(tenant_, owner_, Role::kAdmin).ok(); });
    std::thread b([&] { while (!go) std::this_thread::yield(); ok += store().set_user_role(tenant_, second.id, Role::kAdmin).ok(); });
    go = true;
    a.join();
    b.join();
    ASSERT_EQ(ok.load(), 1) << "round " << round;
    ASSERT_EQ(count("SELECT COUNT(*) FROM users WHERE role = 'owner'"), 1);
    ASSERT_TRUE(store().set_user_role(tenant_, owner_, Role::kOwner).ok());
    ASSERT_TRUE(store().set_user_role(tenant_, second.id, Role::kOwner).ok());
  }
}

TEST_P(StoreTest, UserOperationsWithAnotherTenantsIdFindNothing) {
  const Id m = seed_tenant("mallory");
  EXPECT_ERRC(store().set_user_role(m, owner_, Role::kViewer), Errc::kNotFound);
  EXPECT_ERRC(store().disable_user(m, owner_, kT0), Errc::kNotFound);
  auto users = store().list_users(m);
  ASSERT_EQ(users->size(), 1u);
  EXPECT_NE(users->front().id, owner_);
  EXPECT_FALSE(store().get_user(tenant_, owner_)->disabled_at.has_value());
}

TEST_P(StoreTest, PasswordChangeBumpsTheEpochAndEndsEverySession) {
  const Id family = new_id();
  start_family(tenant_, owner_, family);
  auto epoch = store().update_password(tenant_, owner_, "$argon2id$new", kT0 + 5);
  ASSERT_TRUE(epoch.ok()) << epoch.error().message;
  EXPECT_EQ(*epoch, 1);
  auto user = store().get_user(tenant_, owner_);
  EXPECT_EQ(user->password_phc, "$argon2id$new");
  EXPECT_EQ(user->revoke_epoch, 1);
  EXPECT_EQ(store().get_refresh_family(tenant_, family)->revoked_at, kT0 + 5);
  EXPECT_EQ(*store().bump_revoke_epoch(tenant_, owner_, kT0 + 6), 2);
  EXPECT_EQ(store().get_user(tenant_, owner_)->password_phc, "$argon2id$new");
}

TEST_P(StoreTest, RehashReplacesOnlyTheExpectedHashAndKeepsSessions) {
  const Id family = new_id();
  start_family(tenant_, owner_, family);
  const std::string before = store().get_user(tenant_, owner_)->password_phc;
  auto stale = store().rehash_password(tenant_, owner_, "$argon2id$not-the-current-one", "$argon2id$x");
  ASSERT_TRUE(stale.ok()) << stale.error().message;
  EXPECT_FALSE(*stale);
  EXPECT_EQ(store().get_user(tenant_, owner_)->password_phc, before);
  auto done = store().rehash_password(tenant_, owner_, before, "$argon2id$stronger");
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  auto user = store().get_user(tenant_, owner_);
  EXPECT_EQ(user->password_phc, "$argon2id$stronger");
  EXPECT_EQ(user->revoke_epoch, 0);
  EXPECT_FALSE(store().get_refresh_family(tenant_, family)->revoked_at.has_value());
  const Id other = seed_tenant("other-rehash");
  EXPECT_FALSE(*store().rehash_password(other, owner_, "$argon2id$stronger", "$argon2id$z"));
  EXPECT_EQ(store().get_user(tenant_, owner_)->password_phc, "$argon2id$stronger");
}

TEST_P(StoreTest, SessionsKeepHowTheyWereAuthenticated) {
  RefreshFamily f{tenant_, new_id(), owner_, kT0, kT0 + 86'400'000};
  f.auth_methods = "pwd otp";
  ASSERT_TRUE(store().create_refresh_family(f, {new_hash(), kT0, kT0 + 3'600'000}).ok());
  EXPECT_EQ(store().get_refresh_family(tenant_, f.id)->auth_methods, "pwd otp");
  const Id plain = new_id();
  start_family(tenant_, owner_, plain);
  EXPECT_EQ(store().get_refresh_family(tenant_, plain)->auth_methods, "pwd");
}

TEST_P(StoreTest, RotationIssuesASuccessorAndReuseRevokesTheFamily) {
  const Id family = new_id();
  const Bytes first = start_family(tenant_, owner_, family);
  const Bytes second = new_hash();
  auto r = store().rotate_refresh_token(tenant_, first, {second, kT0 + 10, kT0 + 3'600'010}, kT0 + 10);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(r->family_id, family);
  EXPECT_EQ(r->user_id, owner_);
  auto third = store().rotate_refresh_token(tenant_, second, {new_hash(), kT0 + 20, kT0 + 3'600'020}, kT0 + 20);
  EXPECT_EQ(third->outcome, RotateOutcome::kRotated);
  // The first token again: theft assumed, the whole family dies.
  auto reused = store().rotate_refresh_token(tenant_, first, {new_hash(), kT0 + 30, kT0 + 3'600'030}, kT0 + 30);
  ASSERT_TRUE(reused.ok()) << reused.error().message;
  EXPECT_EQ(reused->outcome, RotateOutcome::kReused);
  EXPECT_EQ(store().get_refresh_family(tenant_, family)->revoke_reason, "reuse");
  EXPECT_ERRC(store().rotate_refresh_token(tenant_, new_hash(), {new_hash(), kT0, kT0 + 1}, kT0), Errc::kNotFound);
}

TEST_P(StoreTest, ARevokedFamilyRefusesEveryToken) {
  const Id family = new_id();
  const Bytes first = start_family(tenant_, owner_, family);
  ASSERT_TRUE(store().revoke_refresh_family(tenant_, family, kT0 + 1, "logout").ok());
  auto r = store().rotate_refresh_token(tenant_, first, {new_hash(), kT0 + 2, kT0 + 99}, kT0 + 2);
  EXPECT_EQ(r->outcome, RotateOutcome::kRevoked);
  EXPECT_EQ(store().get_refresh_family(tenant_, family)->revoke_reason, "logout");
}

TEST_P(StoreTest, RotationHonoursIdleAndAbsoluteExpiry) {
  const Bytes idle = start_family(tenant_, owner_, new_id());
  auto late = store().rotate_refresh_token(tenant_, idle, {new_hash(), kT0, kT0 + 1}, kT0 + 3'600'000);
  EXPECT_EQ(late->outcome, RotateOutcome::kExpired);
  const Bytes abs = start_family(tenant_, owner_, new_id(), kT0 + 1000);
  auto past_abs = store().rotate_refresh_token(tenant_, abs, {new_hash(), kT0, kT0 + 5000}, kT0 + 1000);
  EXPECT_EQ(past_abs->outcome, RotateOutcome::kExpired);
  // Just inside both: rotated, and the successor's idle expiry is clipped to the absolute one.
  const Id family = new_id();
  const Bytes ok = start_family(tenant_, owner_, family, kT0 + 2000);
  const Bytes next = new_hash();
  EXPECT_EQ(store().rotate_refresh_token(tenant_, ok, {next, kT0 + 1999, kT0 + 9'999'999}, kT0 + 1999)->outcome,
            RotateOutcome::kRotated);
  EXPECT_EQ(store().rotate_refresh_token(tenant_, next, {new_hash(), kT0, kT0}, kT0 + 2000)->outcome,
            RotateOutcome::kExpired);
}

TEST_P(StoreTest, ConcurrentRotationsOfOneTokenHaveExactlyOneWinner) {
  const Id family = new_id();
  const Bytes first = start_family(tenant_, owner_, family);
  constexpr int kThreads = 8;
  std::vector<Bytes> successors;
  for (int i = 0; i < kThreads; ++i) successors.push_back(new_hash());
  std::atomic<int> rotated{0}, reused{0}, revoked{0}, failed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      auto r = store().rotate_refresh_token(tenant_, first, {successors[static_cast<std::size_t>(i)], kT0 + 1,
                                                             kT0 + 3'600'001}, kT0 + 1);
      if (!r.ok()) ++failed;
      else if (r->outcome == RotateOutcome::kRotated) ++rotated;
      else if (r->outcome == RotateOutcome::kReused) ++reused;
      else if (r->outcome == RotateOutcome::kRevoked) ++revoked;  // after a loser revoked it
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_GE(reused.load(), 1);
  EXPECT_EQ(reused.load() + revoked.load(), kThreads - 1);
  EXPECT_EQ(store().get_refresh_family(tenant_, family)->revoke_reason, "reuse");
  EXPECT_EQ(count("SELECT COUNT(*) FROM refresh_tokens"), 2);
}
}  // namespace
}  // namespace bw::auth::store::testing
