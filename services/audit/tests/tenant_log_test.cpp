// TenantLog and CheckpointKeys over a real SQLite store: idempotent dense appends, signed
// checkpoints whose proofs verify with libs/audit, a second writer on the same database,
// key rotation.
#include <algorithm>
#include <set>

#include "bw/audit/checkpoint.hpp"
#include "bw/audit/merkle.hpp"
#include "errors.hpp"
#include "log_test_support.hpp"

namespace bw::auditsvc::testing {
namespace {

audit::Checkpoint as_signed(const audit::store::Checkpoint& cp) {
  audit::Checkpoint out;
  out.body = {cp.tenant, static_cast<std::uint64_t>(cp.tree_size), cp.root_hash, static_cast<std::uint64_t>(cp.timestamp_ms)};
  out.key_id = cp.key_id;
  std::copy(cp.signature.begin(), cp.signature.end(), out.signature.begin());
  return out;
}

Bytes key_of(const CheckpointKeys& keys, const std::string& id) {
  for (const auto& k : keys.public_keys()) {
    if (k.key_id == id) return k.public_key;
  }
  return {};
}

class TenantLogTest : public LogFixture {};

TEST_F(TenantLogTest, AppendsGetDenseIndexesInOrder) {
  auto log = open_log(random_array<16>());
  std::vector<AppendItem> items;
  for (int i = 0; i < 5; ++i) items.push_back(item(make_event(log->tenant(), i)));
  auto placed = log->append(items, kT0);
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ((*placed)[i].leaf_index, i);
    EXPECT_FALSE((*placed)[i].duplicate);
  }
  auto more = log->append({item(make_event(log->tenant(), 9))}, kT0);
  ASSERT_TRUE(more.ok());
  EXPECT_EQ((*more)[0].leaf_index, 5u);
  EXPECT_EQ(*log->size(), 6u);
}

TEST_F(TenantLogTest, ARetriedEventKeepsItsIndexAndAddsNothing) {
  auto log = open_log(random_array<16>());
  const auto a = item(make_event(log->tenant(), 1));
  const auto b = item(make_event(log->tenant(), 2));
  ASSERT_TRUE(log->append({a, b}, kT0).ok());
  const auto c = item(make_event(log->tenant(), 3));
  auto again = log->append({b, c, c}, kT0);  // b from before, c twice in one batch
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE((*again)[0].duplicate);
  EXPECT_EQ((*again)[0].leaf_index, 1u);
  EXPECT_FALSE((*again)[1].duplicate);
  EXPECT_EQ((*again)[1].leaf_index, 2u);
  EXPECT_TRUE((*again)[2].duplicate);
  EXPECT_EQ((*again)[2].leaf_index, 2u);
  EXPECT_EQ(*log->size(), 3u);
}

TEST_F(TenantLogTest, CheckpointsAreSignedAndProofsVerifyAgainstThem) {
  auto log = open_log(random_array<16>(), {.checkpoint_every = 1000, .checkpoint_interval = std::chrono::hours(1)});
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<AppendItem> items;
    for (int i = 0; i < 100; ++i) items.push_back(item(make_event(log->tenant(), batch * 100 + i)));
    ASSERT_TRUE(log->append(items, kT0).ok());
  }
  ASSERT_TRUE(log->write_checkpoint(kT0 + 1).ok());
  auto first = log->latest_checkpoint();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(log->append({item(make_event(log->tenant(), 1000))}, kT0).ok());
  ASSERT_TRUE(log->write_checkpoint(kT0 + 2).ok());
  auto second = log->latest_checkpoint();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->tree_size, 300);
  EXPECT_EQ(second->tree_size, 301);

  const auto cp = as_signed(*second);
  EXPECT_TRUE(audit::verify_checkpoint(cp, key_of(*keys_, cp.key_id)));
  for (std::uint64_t index : {0u, 1u, 150u, 255u, 256u, 300u}) {
    auto entry = store_->entry_at(log->tenant(), static_cast<std::int64_t>(index));
    ASSERT_TRUE(entry.ok());
    auto path = log->inclusion_proof(index, 301);
    ASSERT_TRUE(path.ok()) << path.error().message;
    EXPECT_TRUE(audit::verify_inclusion(audit::leaf_hash(entry->leaf_data), index, 301, *path, cp.body.root_hash)) << index;
  }
  auto consistency = log->consistency_proof(300, 301);
  ASSERT_TRUE(consistency.ok());
  EXPECT_TRUE(audit::verify_consistency(300, 301, first->root_hash, second->root_hash, *consistency));
}

TEST_F(TenantLogTest, ACheckpointIsDueByCountOrByTimeWhileTheLogGrows) {
  auto log = open_log(random_array<16>(), {.checkpoint_every = 3, .checkpoint_interval = std::chrono::seconds(10)});
  ASSERT_TRUE(log->size().ok());
  EXPECT_TRUE(log->checkpoint_due(kT0));  // the first one, even of an empty log
  ASSERT_TRUE(log->write_checkpoint(kT0).ok());
  EXPECT_FALSE(log->checkpoint_due(kT0 + 60'000));  // nothing new: never due
  ASSERT_TRUE(log->append({item(make_event(log->tenant(), 1))}, kT0).ok());
  EXPECT_FALSE(log->checkpoint_due(kT0 + 9'999));
  EXPECT_TRUE(log->checkpoint_due(kT0 + 10'000));
  ASSERT_TRUE(log->append({item(make_event(log->tenant(), 2)), item(make_event(log->tenant(), 3))}, kT0).ok());
  EXPECT_TRUE(log->checkpoint_due(kT0 + 1));  // three new events
}

TEST_F(TenantLogTest, ATreeSizeBeyondTheLogIsAFailedPrecondition) {
  auto log = open_log(random_array<16>());
  ASSERT_TRUE(log->append({item(make_event(log->tenant(), 1))}, kT0).ok());
  auto proof = log->inclusion_proof(0, 2);
  ASSERT_FALSE(proof.ok());
  EXPECT_TRUE(has_code(proof.error(), Errc::kFailedPrecondition));
  auto bad = log->consistency_proof(0, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(has_code(bad.error(), Errc::kInvalidArgument));
}

TEST_F(TenantLogTest, ASecondWriterOnTheSameDatabaseLosesNothing) {
  const TenantId tenant = random_array<16>();
  auto one = open_log(tenant);
  auto two = open_log(tenant);  // as a second replica would
  std::set<std::uint64_t> indexes;
  for (int round = 0; round < 5; ++round) {
    for (auto* log : {one.get(), two.get()}) {
      auto placed = log->append({item(make_event(tenant, round)), item(make_event(tenant, round + 100))}, kT0);
      ASSERT_TRUE(placed.ok()) << placed.error().message;
      for (const auto& p : *placed) EXPECT_TRUE(indexes.insert(p.leaf_index).second) << p.leaf_index;
    }
  }
  EXPECT_EQ(indexes.size(), 20u);
  EXPECT_EQ(*indexes.rbegin(), 19u);
  EXPECT_EQ(*store_->tree_size(tenant), 20);
}

TEST_F(TenantLogTest, RotatedKeysSignNewCheckpointsAndOldOnesStillVerify) {
  auto log = open_log(random_array<16>());
  ASSERT_TRUE(log->append({item(make_event(log->tenant(), 1))}, kT0).ok());
  ASSERT_TRUE(log->write_checkpoint(kT0).ok());
  const auto before = as_signed(*log->latest_checkpoint());
  auto kid = CheckpointKeys::rotate(*store_, *test_kek(), kT0 + 10);
  ASSERT_TRUE(kid.ok()) << kid.error().message;
  ASSERT_TRUE(keys_->reload().ok());
  ASSERT_TRUE(log->append({item(make_event(log->tenant(), 2))}, kT0).ok());
  ASSERT_TRUE(log->write_checkpoint(kT0 + 20).ok());
  const auto after = as_signed(*log->latest_checkpoint());
  EXPECT_EQ(after.key_id, *kid);
  EXPECT_NE(before.key_id, after.key_id);
  EXPECT_EQ(keys_->public_keys().size(), 2u);
  EXPECT_TRUE(audit::verify_checkpoint(before, key_of(*keys_, before.key_id)));
  EXPECT_TRUE(audit::verify_checkpoint(after, key_of(*keys_, after.key_id)));
  EXPECT_FALSE(audit::verify_checkpoint(after, key_of(*keys_, before.key_id)));
}

TEST_F(TenantLogTest, KeysDoNotOpenUnderAnotherKek) {
  auto other = CheckpointKeys::open(store_, test_kek('b'), kT0);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("does not open"), std::string::npos);
}

}  // namespace
}  // namespace bw::auditsvc::testing
