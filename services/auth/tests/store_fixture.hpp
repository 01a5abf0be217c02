// The store contract tests' fixture: each test gets a fresh, migrated database from the
// backend its executable instantiates (store_sqlite_test.cpp, store_postgres_test.cpp),
// plus a seeded tenant with an owner, and helpers for ids and hashes. Times are plain
// numbers: the store takes them as parameters, so no test sleeps or reads a clock.
#pragma once

#include <gtest/gtest.h>

#include <any>
#include <memory>
#include <random>
#include <string>

#include "store/db.hpp"
#include "store/errors.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace bw::auth::store::testing {

struct FreshDatabase {
  std::shared_ptr<Database> db;
  std::shared_ptr<void> keep_alive;  // the TempDir or anything the database needs
};

struct Backend {
  const char* name;
  Result<FreshDatabase> (*open)();
};

inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

constexpr TimeMs kT0 = 1'800'000'000'000;  // an arbitrary "now" for every test
constexpr TimeMs kOfferLife = 300'000;

class StoreTest : public ::testing::TestWithParam<Backend> {
 public:
  void SetUp() override {
    auto fresh = GetParam().open();
    ASSERT_TRUE(fresh.ok()) << fresh.error().message;
    fresh_ = std::move(fresh).value();
    auto version = migrate(db(), builtin_migrations(), kT0);
    ASSERT_TRUE(version.ok()) << version.error().message;
    store_ = make_sql_store(fresh_.db);
    tenant_ = seed_tenant("acme");
    owner_ = last_owner_;
  }

  Database& db() { return *fresh_.db; }
  Store& store() { return *store_; }

  Id new_id() {
    Id id{};
    for (auto& b : id) b = static_cast<std::uint8_t>(rng_());
    return id;
  }
  Bytes new_hash() {
    Bytes h(32);
    for (auto& b : h) b = static_cast<std::uint8_t>(rng_());
    return h;
  }

  // A tenant with slug `slug` and its owner (kept in last_owner_).
  Id seed_tenant(const std::string& slug) {
    Tenant t{new_id(), slug, slug + " inc", false, kT0};
    User u{t.id, new_id(), "owner@" + slug, "owner@" + slug + ".example", Role::kOwner, "$argon2id$v=19$x", 0, kT0};
    auto s = store().create_tenant_with_owner(t, u);
    EXPECT_TRUE(s.ok()) << s.error().message;
    last_owner_ = u.id;
    return t.id;
  }

  Device seed_device(const Id& tenant, const Id& user, DeviceKind kind, const std::string& name) {
    Device d{tenant, new_id(), user, kind, name, kind == DeviceKind::kClient ? new_hash() : Bytes{}, kT0};
    auto s = store().create_device(d);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return d;
  }

  // A refresh family for `user` with one live token (idle 1 h); returns the token's hash.
  Bytes start_family(const Id& tenant, const Id& user, const Id& family, TimeMs absolute = kT0 + 86'400'000) {
    Bytes first = new_hash();
    auto s = store().create_refresh_family(RefreshFamily{tenant, family, user, kT0, absolute},
                                           NewRefreshToken{first, kT0, kT0 + 3'600'000});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return first;
  }

  // A pairing offer for `agent` whose code hashes to `code`, alive for kOfferLife.
  PairingOffer make_offer(const Id& tenant, const Id& agent, Bytes code, Role role, int max_attempts) {
    return PairingOffer{tenant, new_id(), agent, role, std::move(code), kT0, kT0 + kOfferLife, max_attempts};
  }

  std::int64_t count(const std::string& sql) {
    auto lease = db().acquire();
    EXPECT_TRUE(lease.ok());
    if (!lease.ok()) return -1;
    auto rows = (*lease)->query(sql, {});
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() && !rows->empty() ? rows->front().int64(0) : -1;
  }

  FreshDatabase fresh_;
  std::unique_ptr<Store> store_;
  Id tenant_{};
  Id owner_{};
  Id last_owner_{};
  std::mt19937_64 rng_{std::random_device{}()};
};

// A tenant with an agent, a client and a live offer (viewer, 3 attempts) to claim.
class PairingTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    agent_ = seed_device(tenant_, owner_, DeviceKind::kAgent, "laptop");
    client_ = seed_device(tenant_, owner_, DeviceKind::kClient, "phone");
    code_ = new_hash();
    offer_ = make_offer(tenant_, agent_.id, code_, Role::kViewer, 3);
    auto s = store().create_pairing_offer(offer_);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  PairingClaim claim(Bytes code) { return PairingClaim{client_.id, owner_, client_.public_key, std::move(code)}; }

  Device agent_, client_;
  Bytes code_;
  PairingOffer offer_;
};

// A tenant whose owner invites admins.
class InvitationTest : public StoreTest {
 protected:
  Invitation invite(const Bytes& token, TimeMs expires_at = kT0 + 1000) {
    Invitation i{tenant_, new_id(), token, "new@acme.example", Role::kAdmin, owner_, kT0, expires_at};
    auto s = store().create_invitation(i);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return i;
  }
  User newcomer() { return User{{}, new_id(), "newcomer", "ignored", Role::kOwner, "$argon2id$n", 0, kT0}; }
};

#define EXPECT_ERRC(result, errc)                                                     \
  do {                                                                                \
    const auto& r_ = (result);                                                        \
    ASSERT_FALSE(r_.ok());                                                            \
    EXPECT_EQ(r_.error().code, static_cast<int>(errc)) << r_.error().message;         \
  } while (0)

// open_store() on `config` migrates a fresh database, keeps what was written, and opens it
// again without migrating twice — the same check for each backend's configuration.
inline void expect_open_store_migrates_once(const StoreConfig& config, TimeMs t0) {
  {
    auto store = open_store(config, t0);
    ASSERT_TRUE(store.ok()) << store.error().message;
    Tenant t{Id{1}, "acme", "Acme", false, t0};
    ASSERT_TRUE((*store)->create_tenant_with_owner(t, User{t.id, Id{2}, "o", "o@x", Role::kOwner, "phc", 0, t0}).ok());
  }
  auto again = open_store(config, t0 + 1);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)->find_tenant_by_slug("acme")->name, "Acme");
}

}  // namespace bw::auth::store::testing
