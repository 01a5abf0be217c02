// Audit store contract, part 2: query filters, paging, tenant isolation, and the
// append-only triggers against raw SQL. Compiled into both backends' executables.
#include <set>

#include "store_fixture.hpp"

namespace bw::audit::store::testing {
namespace {

// Two tenants whose entries look alike (same actors, actions, times), so any missing
// tenant filter would show.
class AuditQueryTest : public AuditStoreTest {
 protected:
  void SetUp() override {
    AuditStoreTest::SetUp();
    if (HasFatalFailure()) return;
    tenant_ = new_tenant();
    other_ = new_tenant();
    rows_ = make_batch(tenant_, 0, 60);
    append_ok(rows_);
    append_ok(make_batch(other_, 0, 60));
  }

  // Every page of `q` (limit `page`), checking order and that no entry repeats.
  std::vector<std::int64_t> all_pages(EntryQuery q, int page) {
    std::vector<std::int64_t> seen;
    q.limit = page;
    for (int guard = 0; guard < 100; ++guard) {
      auto got = store().query(tenant_, q);
      EXPECT_TRUE(got.ok()) << got.error().message;
      if (!got.ok()) break;
      for (const Entry& e : got->entries) {
        EXPECT_EQ(e.tenant, tenant_);
        EXPECT_TRUE(seen.empty() || e.leaf_index > seen.back());
        EXPECT_EQ(e, rows_[static_cast<std::size_t>(e.leaf_index)]);
        seen.push_back(e.leaf_index);
      }
      EXPECT_LE(got->entries.size(), static_cast<std::size_t>(page));
      if (!got->more) break;
      q.after_leaf_index = got->entries.back().leaf_index;
    }
    return seen;
  }

  // The indexes of rows_ matching `pred`.
  template <class Pred>
  std::vector<std::int64_t> expected(Pred pred) {
    std::vector<std::int64_t> out;
    for (const Entry& e : rows_) if (pred(e)) out.push_back(e.leaf_index);
    return out;
  }

  TenantId tenant_{}, other_{};
  std::vector<Entry> rows_;
};

TEST_P(AuditQueryTest, PagesThroughEverythingOldestFirstWithoutSkipsOrRepeats) {
  EXPECT_EQ(all_pages({}, 7), expected([](const Entry&) { return true; }));
  EXPECT_EQ(all_pages({}, 60), expected([](const Entry&) { return true; }));
}

TEST_P(AuditQueryTest, FiltersByTimeRangeHalfOpen) {
  EntryQuery q{.time_from = kT0 + 10'000, .time_to = kT0 + 25'000};
  EXPECT_EQ(all_pages(q, 4), expected([](const Entry& e) { return e.leaf_index >= 10 && e.leaf_index < 25; }));
}

TEST_P(AuditQueryTest, FiltersByActorActionAndResultTogether) {
  const Bytes actor(16, 1);
  EXPECT_EQ(all_pages({.actor_id = actor}, 5), expected([&](const Entry& e) { return e.actor_id == actor; }));
  EXPECT_EQ(all_pages({.action = "auth.logout"}, 5), expected([](const Entry& e) { return e.action == "auth.logout"; }));
  EXPECT_EQ(all_pages({.result = 3}, 5), expected([](const Entry& e) { return e.result == 3; }));
  const EntryQuery all{.time_from = kT0 + 6000, .actor_id = actor, .action = "auth.login", .result = 2};
  EXPECT_EQ(all_pages(all, 2), expected([&](const Entry& e) {
              return e.event_time_ms >= kT0 + 6000 && e.actor_id == actor && e.action == "auth.login" && e.result == 2;
            }));
}

TEST_P(AuditQueryTest, AnAppendBetweenPagesIsSeenOnceAtTheEnd) {
  auto first = store().query(tenant_, {.limit = 50});
  ASSERT_TRUE(first.ok());
  auto more = make_batch(tenant_, 60, 5);
  append_ok(more);
  rows_.insert(rows_.end(), more.begin(), more.end());
  auto rest = store().query(tenant_, {.after_leaf_index = first->entries.back().leaf_index, .limit = 100});
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->entries.size(), 15U);
  EXPECT_EQ(rest->entries.front().leaf_index, 50);
  EXPECT_EQ(rest->entries.back().leaf_index, 64);
  EXPECT_FALSE(rest->more);
}

TEST_P(AuditQueryTest, ALimitOutOfRangeIsInvalid) {
  EXPECT_ERRC(store().query(tenant_, {.limit = 0}), Errc::kInvalid);
  EXPECT_ERRC(store().query(tenant_, {.limit = kMaxQueryLimit + 1}), Errc::kInvalid);
}

TEST_P(AuditQueryTest, OneTenantNeverSeesAnothersRows) {
  const TenantId stranger = new_tenant();
  EXPECT_TRUE(store().query(stranger, {.limit = 1000})->entries.empty());
  EXPECT_ERRC(store().entry_at(stranger, 0), Errc::kNotFound);
  EXPECT_ERRC(store().entry_by_event_id(other_, rows_[3].event_id), Errc::kNotFound);
  EXPECT_ERRC(store().leaf_hashes(stranger, 0, 1), Errc::kNotFound);
  auto theirs = store().query(other_, {.actor_id = rows_[0].actor_id, .limit = 1000});
  ASSERT_TRUE(theirs.ok());
  for (const Entry& e : theirs->entries) EXPECT_EQ(e.tenant, other_);
  std::set<EventId> mine;
  for (const Entry& e : rows_) mine.insert(e.event_id);
  for (const Entry& e : theirs->entries) EXPECT_FALSE(mine.count(e.event_id));
}

// The database itself refuses to rewrite history, whoever asks (kConstraint).
TEST_P(AuditQueryTest, RawUpdatesAndDeletesAreRefused) {
  ASSERT_TRUE(store().add_signing_key({.key_id = "k1", .public_key = Bytes(32, 1), .not_before_ms = kT0}).ok());
  ASSERT_TRUE(store().add_checkpoint({.tenant = tenant_, .tree_size = 60, .key_id = "k1"}).ok());
  for (const char* sql : {"UPDATE audit_entries SET action = 'x'", "UPDATE audit_entries SET leaf_index = leaf_index + 1000",
                          "DELETE FROM audit_entries", "DELETE FROM audit_entries WHERE leaf_index = 59",
                          "UPDATE audit_checkpoints SET tree_size = 1", "DELETE FROM audit_checkpoints",
                          "UPDATE audit_trees SET tree_size = 0", "DELETE FROM audit_trees"}) {
    EXPECT_ERRC(raw_execute(sql), Errc::kConstraint);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_entries WHERE action = 'x'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_entries"), 120);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_checkpoints"), 1);
  EXPECT_EQ(*store().tree_size(tenant_), 60);
}

INSTANTIATE_TEST_SUITE_P(Backend, AuditQueryTest, ::testing::Values(this_backend()));

}  // namespace
}  // namespace bw::audit::store::testing
