// Audit store contract, part 1: append, read back, idempotency lookups, refused indexes,
// concurrent appenders, leaf hashes, tenant sizes. Compiled into both backends' executables.
#include <algorithm>
#include <atomic>
#include <thread>

#include "store_fixture.hpp"

namespace bw::audit::store::testing {
namespace {

TEST_P(AuditStoreTest, AnUnknownTenantHasAnEmptyTree) {
  EXPECT_EQ(*store().tree_size(new_tenant()), 0);
  EXPECT_TRUE(store().list_tenants()->empty());
}

TEST_P(AuditStoreTest, AppendsAndReadsBackEveryField) {
  const TenantId t = new_tenant();
  const auto batch = make_batch(t, 0, 5);
  append_ok(batch);
  EXPECT_EQ(*store().tree_size(t), 5);
  for (const Entry& e : batch) {
    auto at = store().entry_at(t, e.leaf_index);
    ASSERT_TRUE(at.ok()) << at.error().message;
    EXPECT_EQ(*at, e);
    auto by_id = store().entry_by_event_id(t, e.event_id);
    ASSERT_TRUE(by_id.ok()) << by_id.error().message;
    EXPECT_EQ(*by_id, e);
  }
  EXPECT_ERRC(store().entry_at(t, 5), Errc::kNotFound);
  EXPECT_ERRC(store().entry_by_event_id(t, EventId{}), Errc::kNotFound);
}

TEST_P(AuditStoreTest, EmptyFieldsStayEmpty) {
  const TenantId t = new_tenant();
  Entry e{.tenant = t, .leaf_index = 0, .event_id = EventId{1}};
  append_ok({e});
  EXPECT_EQ(*store().entry_at(t, 0), e);
}

// Text and bytes that need quoting or escaping in any encoding the backends use.
TEST_P(AuditStoreTest, AwkwardTextAndEveryByteValueRoundTrip) {
  const TenantId t = new_tenant();
  Entry e = make_entry(t, 0);
  e.action = R"(a"b\c{d},e NULL 'f' ü)";
  e.target_type = "tab\there\nnewline\rcr \\N";
  e.producer = "\\";
  e.leaf_data.clear();
  for (int i = 0; i < 256; ++i) e.leaf_data.push_back(static_cast<std::uint8_t>(i));
  e.actor_id.clear();
  Entry next = make_entry(t, 1);
  next.action = "{}";
  append_ok({e, next});
  EXPECT_EQ(*store().entry_at(t, 0), e);
  EXPECT_EQ(*store().entry_at(t, 1), next);
  EXPECT_EQ(store().query(t, {.action = e.action})->entries.size(), 1U);
}

TEST_P(AuditStoreTest, ABatchSpansTenantsAndContinuesEachTree) {
  const TenantId a = new_tenant(), b = new_tenant();
  append_ok(make_batch(a, 0, 3));
  std::vector<Entry> mixed{make_entry(b, 0), make_entry(a, 3), make_entry(b, 1), make_entry(a, 4)};
  append_ok(mixed);
  EXPECT_EQ(*store().tree_size(a), 5);
  EXPECT_EQ(*store().tree_size(b), 2);
  auto tenants = store().list_tenants();
  ASSERT_TRUE(tenants.ok()) << tenants.error().message;
  std::vector<TenantSize> want{{a, 5}, {b, 2}};
  std::sort(want.begin(), want.end(), [](auto& x, auto& y) { return x.tenant < y.tenant; });
  EXPECT_EQ(*tenants, want);
}

TEST_P(AuditStoreTest, FindsTheEventIdsAlreadyPresent) {
  const TenantId t = new_tenant();
  const auto batch = make_batch(t, 0, 4);
  append_ok(batch);
  std::vector<EventId> ask{batch[2].event_id, random_array<16>(), batch[0].event_id};
  auto found = store().find_events(t, ask);
  ASSERT_TRUE(found.ok()) << found.error().message;
  std::sort(found->begin(), found->end(), [](auto& x, auto& y) { return x.leaf_index < y.leaf_index; });
  EXPECT_EQ(*found, (std::vector<KnownEvent>{{batch[0].event_id, 0}, {batch[2].event_id, 2}}));
  EXPECT_TRUE(store().find_events(new_tenant(), ask)->empty());  // another tenant's ids
  EXPECT_TRUE(store().find_events(t, {})->empty());
}

TEST_P(AuditStoreTest, FindsManyEventIdsAtOnce) {
  const TenantId t = new_tenant();
  const auto batch = make_batch(t, 0, 1200);
  append_ok(batch);
  std::vector<EventId> ids;
  for (const auto& e : batch) ids.push_back(e.event_id);
  EXPECT_EQ(store().find_events(t, ids)->size(), 1200U);
}

// Each case must be refused with kConflict and leave both tenants exactly as they were.
TEST_P(AuditStoreTest, AGapOrDuplicateIndexIsAConflictAndWritesNothing) {
  const TenantId t = new_tenant(), other = new_tenant();
  append_ok(make_batch(t, 0, 3));
  const std::vector<std::vector<Entry>> refused{
      make_batch(t, 4, 2),                                  // gap
      make_batch(t, 2, 2),                                  // duplicate of 2
      make_batch(t, 0, 1),                                  // duplicate of 0
      {make_entry(t, 3), make_entry(t, 5)},                 // gap inside the batch
      {make_entry(t, 3), make_entry(t, 3)},                 // duplicate inside the batch
      {make_entry(other, 0), make_entry(t, 7)},             // one good tenant, one bad
  };
  for (const auto& batch : refused) {
    EXPECT_ERRC(store().append(batch), Errc::kConflict);
    EXPECT_EQ(*store().tree_size(t), 3);
    EXPECT_EQ(*store().tree_size(other), 0);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_entries"), 3);
}

TEST_P(AuditStoreTest, AnEventIdAlreadyPresentIsAConflictAndWritesNothing) {
  const TenantId t = new_tenant();
  auto batch = make_batch(t, 0, 2);
  append_ok(batch);
  Entry again = make_entry(t, 2);
  again.event_id = batch[1].event_id;
  EXPECT_ERRC(store().append(std::vector<Entry>{make_entry(new_tenant(), 0), again}), Errc::kConflict);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_entries"), 2);
  EXPECT_EQ(store().list_tenants()->size(), 1U);
  // The same event id in another tenant is a different event.
  Entry elsewhere = make_entry(new_tenant(), 0);
  elsewhere.event_id = batch[1].event_id;
  append_ok({elsewhere});
}

TEST_P(AuditStoreTest, ANegativeIndexIsInvalid) {
  EXPECT_ERRC(store().append(std::vector<Entry>{make_entry(new_tenant(), -1)}), Errc::kInvalid);
  EXPECT_TRUE(store().append({}).ok());
}

// Writers race for one tenant, each appending at the size it read and retrying on conflict:
// the log ends dense (0..n-1, each index once) with every writer's rows in it.
TEST_P(AuditStoreTest, ConcurrentAppendersNeverLeaveAGapOrADuplicate) {
  const TenantId t = new_tenant();
  constexpr int kWriters = 4, kBatches = 6, kRows = 20;
  std::atomic<int> conflicts{0}, failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(w) + 1);
      for (int b = 0; b < kBatches;) {
        auto size = store().tree_size(t);
        if (!size) { ++failures; return; }
        std::vector<Entry> rows;
        for (int i = 0; i < kRows; ++i) {
          Entry e{.tenant = t, .leaf_index = *size + i, .producer = std::to_string(w)};
          for (auto& x : e.event_id) x = static_cast<std::uint8_t>(rng());
          rows.push_back(e);
        }
        auto s = store().append(rows);
        if (s.ok()) ++b;
        else if (has_code(s.error(), Errc::kConflict) || has_code(s.error(), Errc::kUnavailable)) ++conflicts;
        else { ++failures; ADD_FAILURE() << s.error().message; return; }
      }
    });
  }
  for (auto& th : writers) th.join();
  EXPECT_EQ(failures.load(), 0);
  constexpr std::int64_t kTotal = kWriters * kBatches * kRows;
  EXPECT_EQ(*store().tree_size(t), kTotal);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_entries"), kTotal);
  EXPECT_EQ(count("SELECT COUNT(DISTINCT leaf_index) FROM audit_entries"), kTotal);
  EXPECT_EQ(count("SELECT MAX(leaf_index) FROM audit_entries"), kTotal - 1);
  for (int w = 0; w < kWriters; ++w) {
    EXPECT_EQ(count("SELECT COUNT(*) FROM audit_entries WHERE producer = '" + std::to_string(w) + "'"),
              kBatches * kRows);
  }
}

TEST_P(AuditStoreTest, LeafHashesComeInIndexOrder) {
  const TenantId t = new_tenant();
  const auto batch = make_batch(t, 0, 300);
  append_ok(batch);
  append_ok(make_batch(new_tenant(), 0, 10));
  auto hashes = store().leaf_hashes(t, 17, 290);
  ASSERT_TRUE(hashes.ok()) << hashes.error().message;
  ASSERT_EQ(hashes->size(), 273U);
  for (std::size_t i = 0; i < hashes->size(); ++i) EXPECT_EQ((*hashes)[i], batch[17 + i].leaf_hash);
  EXPECT_TRUE(store().leaf_hashes(t, 300, 300)->empty());
  EXPECT_ERRC(store().leaf_hashes(t, 290, 301), Errc::kNotFound);
  EXPECT_ERRC(store().leaf_hashes(t, 5, 4), Errc::kInvalid);
  EXPECT_ERRC(store().leaf_hashes(t, -1, 4), Errc::kInvalid);
}

INSTANTIATE_TEST_SUITE_P(Backend, AuditStoreTest, ::testing::Values(this_backend()));

}  // namespace
}  // namespace bw::audit::store::testing
