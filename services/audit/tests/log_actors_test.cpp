// LogActors: many callers on several threads, several tenants — every event lands exactly
// once, indexes are dense per tenant, and commits are shared (group commit).
#include <thread>

#include "log_actors.hpp"
#include "log_test_support.hpp"

namespace bw::auditsvc::testing {
namespace {

class LogActorsTest : public LogFixture {};

TEST_F(LogActorsTest, ConcurrentCallersOnSeveralTenantsGetDenseUniqueIndexes) {
  auto logs = std::make_shared<LogActors>(
      [this](const TenantId& t) { return open_log(t); }, LogActorsOptions{.workers = 2, .max_batch = 64});
  const std::vector<TenantId> tenants{random_array<16>(), random_array<16>(), random_array<16>()};
  constexpr int kThreads = 8, kCalls = 40, kPerCall = 3;
  std::vector<std::vector<AppendItem>> work(kThreads * kCalls);
  for (int i = 0; i < kThreads * kCalls; ++i) {
    for (int k = 0; k < kPerCall; ++k) work[i].push_back(item(make_event(tenants[i % 3], i * 10 + k)));
  }
  std::mutex mu;
  std::map<TenantId, std::set<std::uint64_t>> seen;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCalls; ++c) {
        const int i = t * kCalls + c;
        auto placed = logs->append(tenants[i % 3], work[i]).get();
        if (!placed) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mu);
        for (const auto& p : *placed) {
          if (!seen[tenants[i % 3]].insert(p.leaf_index).second || p.duplicate) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::size_t total = 0;
  for (const auto& t : tenants) {
    const auto& s = seen[t];
    total += s.size();
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(*s.rbegin() + 1, s.size()) << "indexes are not dense";
    EXPECT_EQ(static_cast<std::size_t>(*store_->tree_size(t)), s.size());
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kThreads * kCalls * kPerCall));
  logs->stop();
}

TEST_F(LogActorsTest, TheTimerWritesACheckpointForAnIdleLog) {
  const TenantId tenant = random_array<16>();
  auto logs = std::make_shared<LogActors>(
      [this](const TenantId& t) {
        return open_log(t, {.checkpoint_every = 1'000'000, .checkpoint_interval = std::chrono::milliseconds(100)});
      },
      LogActorsOptions{.workers = 1, .max_batch = 10, .tick = std::chrono::milliseconds(50)});
  // The first checkpoint follows the first commit at once; the second event is neither
  // enough by count nor late enough by time: only the timer can sign it, once idle.
  ASSERT_TRUE(logs->append(tenant, {item(make_event(tenant, 1))}).get().ok());
  ASSERT_TRUE(logs->append(tenant, {item(make_event(tenant, 2))}).get().ok());
  Result<audit::store::Checkpoint> cp = Error{0, "none yet"};
  for (int i = 0; i < 100; ++i) {
    cp = store_->latest_checkpoint(tenant);
    if (cp.ok() && cp->tree_size == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->tree_size, 2) << "the timer did not sign the idle log within 2 s";
  logs->stop();
}

TEST_F(LogActorsTest, AppendsAfterStopAreRefusedAsUnavailable) {
  auto logs = std::make_shared<LogActors>([this](const TenantId& t) { return open_log(t); }, LogActorsOptions{});
  logs->stop();
  const TenantId tenant = random_array<16>();
  auto placed = logs->append(tenant, {item(make_event(tenant, 1))}).get();
  ASSERT_FALSE(placed.ok());
}

}  // namespace
}  // namespace bw::auditsvc::testing
