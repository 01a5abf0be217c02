// Audit store contract, part 3: checkpoints and signing keys. Compiled into both backends'
// executables.
#include "store_fixture.hpp"

namespace bw::audit::store::testing {
namespace {

class AuditCheckpointTest : public AuditStoreTest {
 protected:
  void SetUp() override {
    AuditStoreTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(store().add_signing_key(key("k1", kT0)).ok());
    tenant_ = new_tenant();
    append_ok(make_batch(tenant_, 0, 10));
  }
  SigningKey key(const std::string& id, TimeMs not_before) {
    return SigningKey{id, Bytes(32, 1), Bytes(72, 2), not_before, std::nullopt};
  }
  Checkpoint checkpoint(std::int64_t size, TimeMs at) {
    return Checkpoint{tenant_, size, random_array<32>(), at, "k1", Bytes(64, 3)};
  }
  TenantId tenant_{};
};

TEST_P(AuditCheckpointTest, KeepsCheckpointsAndFindsTheLatestAndAnyBySize) {
  EXPECT_ERRC(store().latest_checkpoint(tenant_), Errc::kNotFound);
  const Checkpoint c0 = checkpoint(0, kT0), c4 = checkpoint(4, kT0 + 1), c10 = checkpoint(10, kT0 + 2);
  for (const auto& c : {c4, c10, c0}) ASSERT_TRUE(store().add_checkpoint(c).ok());
  EXPECT_EQ(*store().latest_checkpoint(tenant_), c10);
  EXPECT_EQ(*store().checkpoint_at(tenant_, 4), c4);
  EXPECT_EQ(*store().checkpoint_at(tenant_, 0), c0);
  EXPECT_ERRC(store().checkpoint_at(tenant_, 5), Errc::kNotFound);
}

TEST_P(AuditCheckpointTest, ASecondCheckpointForOneSizeIsAConflict) {
  ASSERT_TRUE(store().add_checkpoint(checkpoint(10, kT0)).ok());
  EXPECT_ERRC(store().add_checkpoint(checkpoint(10, kT0 + 1)), Errc::kConflict);
  EXPECT_EQ(store().latest_checkpoint(tenant_)->timestamp_ms, kT0);
}

TEST_P(AuditCheckpointTest, ACheckpointBeyondTheTreeIsInvalid) {
  EXPECT_ERRC(store().add_checkpoint(checkpoint(11, kT0)), Errc::kInvalid);
  EXPECT_ERRC(store().add_checkpoint(checkpoint(-1, kT0)), Errc::kInvalid);
}

TEST_P(AuditCheckpointTest, ACheckpointByAnUnknownKeyIsAConstraintError) {
  Checkpoint c = checkpoint(10, kT0);
  c.key_id = "nobody";
  EXPECT_ERRC(store().add_checkpoint(c), Errc::kConstraint);
}

TEST_P(AuditCheckpointTest, CheckpointsAreKeptPerTenant) {
  ASSERT_TRUE(store().add_checkpoint(checkpoint(10, kT0)).ok());
  const TenantId other = new_tenant();
  append_ok(make_batch(other, 0, 3));
  Checkpoint theirs = checkpoint(3, kT0);
  theirs.tenant = other;
  ASSERT_TRUE(store().add_checkpoint(theirs).ok());
  EXPECT_EQ(store().latest_checkpoint(tenant_)->tree_size, 10);
  EXPECT_EQ(*store().latest_checkpoint(other), theirs);
  EXPECT_ERRC(store().checkpoint_at(other, 10), Errc::kNotFound);
  EXPECT_ERRC(store().latest_checkpoint(new_tenant()), Errc::kNotFound);
}

TEST_P(AuditCheckpointTest, KeysAreAddedRetiredOnceAndListedNewestFirst) {
  ASSERT_TRUE(store().add_signing_key(key("k2", kT0 + 100)).ok());
  EXPECT_ERRC(store().add_signing_key(key("k2", kT0 + 200)), Errc::kConflict);
  ASSERT_TRUE(store().retire_signing_key("k1", kT0 + 100).ok());
  EXPECT_ERRC(store().retire_signing_key("k1", kT0 + 300), Errc::kConflict);
  EXPECT_ERRC(store().retire_signing_key("nobody", kT0), Errc::kNotFound);
  auto keys = store().list_signing_keys();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  SigningKey k1 = key("k1", kT0);
  k1.not_after_ms = kT0 + 100;
  EXPECT_EQ(*keys, (std::vector<SigningKey>{key("k2", kT0 + 100), k1}));
}

TEST_P(AuditCheckpointTest, AKeyAddedAlreadyRetiredOrUnnamedIsInvalid) {
  SigningKey k = key("k3", kT0);
  k.not_after_ms = kT0;
  EXPECT_ERRC(store().add_signing_key(k), Errc::kInvalid);
  EXPECT_ERRC(store().add_signing_key(key("", kT0)), Errc::kInvalid);
}

INSTANTIATE_TEST_SUITE_P(Backend, AuditCheckpointTest, ::testing::Values(this_backend()));

}  // namespace
}  // namespace bw::audit::store::testing
