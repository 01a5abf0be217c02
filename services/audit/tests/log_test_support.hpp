// Shared by the audit service's in-process tests: a migrated SQLite store in a temporary
// folder, checkpoint keys under a test KEK, and events made valid for libs/audit.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "bw/audit/event.hpp"
#include "bw/authcore/sealed_secret.hpp"
#include "bw/testing/temp_dir.hpp"
#include "checkpoint_keys.hpp"
#include "event_convert.hpp"
#include "store/store.hpp"
#include "tenant_log.hpp"

namespace bw::auditsvc::testing {

constexpr TimeMs kT0 = 1'800'000'000'000;

inline std::shared_ptr<const authcore::KeyRing> test_kek(char digit = 'a') {
  auto ring = authcore::kek_from_file_text("kek1", std::string(64, digit));
  EXPECT_TRUE(ring.ok());
  return std::make_shared<const authcore::KeyRing>(std::move(ring.value()));
}

class LogFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = bw::testing::TempDir::create("bw-audit-log-");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<bw::testing::TempDir>(std::move(dir.value()));
    audit::store::StoreConfig config;
    config.sqlite_path = (dir_->path() / "audit.db").string();
    auto store = audit::store::open_store(config, kT0);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store.value());
    auto keys = CheckpointKeys::open(store_, test_kek(), kT0);
    ASSERT_TRUE(keys.ok()) << keys.error().message;
    keys_ = keys.value();
  }

  std::shared_ptr<TenantLog> open_log(const TenantId& tenant, TenantLogOptions options = {}) {
    return std::make_shared<TenantLog>(tenant, store_, keys_, options);
  }

  template <std::size_t N>
  std::array<std::uint8_t, N> random_array() {
    std::array<std::uint8_t, N> a{};
    for (auto& b : a) b = static_cast<std::uint8_t>(rng_());
    return a;
  }

  // A valid event of `tenant`; `n` varies its action and time.
  audit::Event make_event(const TenantId& tenant, int n) {
    audit::Event e;
    e.event_id = random_array<16>();
    e.tenant = tenant;
    e.time_ms = static_cast<std::uint64_t>(kT0 + n);
    e.actor_kind = audit::ActorKind::kUser;
    e.actor_id = Bytes(16, static_cast<std::uint8_t>(n % 5));
    e.action = n % 2 == 0 ? "auth.login" : "auth.logout";
    e.target_type = "user";
    e.target_id = Bytes(16, 7);
    e.result = audit::Outcome::kSuccess;
    e.attributes = {{"method", "password"}};
    e.producer = "auth";
    return e;
  }
  AppendItem item(const audit::Event& e) {
    auto row = to_row(e);
    EXPECT_TRUE(row.ok()) << row.error().message;
    return AppendItem{row.value()};
  }

  std::unique_ptr<bw::testing::TempDir> dir_;
  std::shared_ptr<audit::store::Store> store_;
  std::shared_ptr<CheckpointKeys> keys_;
  std::mt19937_64 rng_{42};
};

}  // namespace bw::auditsvc::testing
