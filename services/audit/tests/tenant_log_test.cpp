// TenantLog and CheckpointKeys over a real SQLite store: idempotent dense appends, signed
// checkpoints whose proofs verify with libs/audit, a second writer on the same database,
// key rotation, appends not held up by a proof reading leaves.
#include <algorithm>
#include <condition_variable>
#include <future>
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

// A store whose leaf_hashes() waits, once closed, until opened again (all else forwards).
class GatedStore final : public audit::store::Store {
 public:
  explicit GatedStore(std::shared_ptr<audit::store::Store> inner) : inner_(std::move(inner)) {}
  void close() { std::lock_guard l(mu_); closed_ = true; }
  void open() { std::lock_guard l(mu_); closed_ = false; cv_.notify_all(); }
  bool wait_until_reading() {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(10), [&] { return reading_; });
  }
  Result<std::vector<audit::store::Hash>> leaf_hashes(const TenantId& t, std::int64_t b, std::int64_t e) override {
    std::unique_lock l(mu_);
    reading_ = true;
    cv_.notify_all();
    cv_.wait(l, [&] { return !closed_; });
    l.unlock();
    return inner_->leaf_hashes(t, b, e);
  }
  Result<std::int64_t> tree_size(const TenantId& t) override { return inner_->tree_size(t); }
  Result<std::vector<audit::store::KnownEvent>> find_events(const TenantId& t, std::span<const EventId> ids) override {
    return inner_->find_events(t, ids);
  }
  Status append(std::span<const audit::store::Entry> rows) override { return inner_->append(rows); }
  Result<audit::store::Entry> entry_at(const TenantId& t, std::int64_t i) override { return inner_->entry_at(t, i); }
  Result<audit::store::Entry> entry_by_event_id(const TenantId& t, const EventId& id) override {
    return inner_->entry_by_event_id(t, id);
  }
  Result<audit::store::EntryPage> query(const TenantId& t, const audit::store::EntryQuery& q) override {
    return inner_->query(t, q);
  }
  Result<std::vector<audit::store::TenantSize>> list_tenants() override { return inner_->list_tenants(); }
  Status add_checkpoint(const audit::store::Checkpoint& c) override { return inner_->add_checkpoint(c); }
  Result<audit::store::Checkpoint> latest_checkpoint(const TenantId& t) override { return inner_->latest_checkpoint(t); }
  Result<audit::store::Checkpoint> checkpoint_at(const TenantId& t, std::int64_t n) override {
    return inner_->checkpoint_at(t, n);
  }
  Status add_signing_key(const audit::store::SigningKey& k) override { return inner_->add_signing_key(k); }
  Status retire_signing_key(const std::string& id, TimeMs at) override { return inner_->retire_signing_key(id, at); }
  Result<std::vector<audit::store::SigningKey>> list_signing_keys() override { return inner_->list_signing_keys(); }

 private:
  std::shared_ptr<audit::store::Store> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false, reading_ = false;
};

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

TEST_F(TenantLogTest, AnAppendIsNotHeldUpByAProofReadingLeaves) {
  const TenantId tenant = random_array<16>();
  auto gated = std::make_shared<GatedStore>(store_);
  TenantLog log(tenant, gated, keys_, {});
  ASSERT_TRUE(log.append({item(make_event(tenant, 1)), item(make_event(tenant, 2))}, kT0).ok());
  std::vector<AppendItem> more{item(make_event(tenant, 3))};
  gated->close();
  auto proof = std::async(std::launch::async, [&] { return log.inclusion_proof(0, 2); });
  ASSERT_TRUE(gated->wait_until_reading());
  auto append = std::async(std::launch::async, [&] { return log.append(more, kT0); });
  const bool appended_meanwhile = append.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  gated->open();
  EXPECT_TRUE(appended_meanwhile) << "the append waited for the proof's leaf read";
  auto placed = append.get();
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  EXPECT_EQ(placed->front().leaf_index, 2u);
  ASSERT_TRUE(proof.get().ok());
  EXPECT_EQ(*log.size(), 3u);
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
