// A connection's tick (ping, idle check, credential re-check) comes at least every
// ping_interval, and connections opened together drift apart instead of ticking in lockstep.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "relay_core.hpp"

namespace bw::relay {
namespace {

using std::chrono::milliseconds;

TEST(TickDelay, IsTheIntervalLessUpToAFifth) {
  const milliseconds interval{15'000};
  EXPECT_EQ(tick_delay(interval, 0.0), interval);
  EXPECT_EQ(tick_delay(interval, 0.5), milliseconds(13'500));
  EXPECT_EQ(tick_delay(interval, 1.0), milliseconds(12'000));
  EXPECT_EQ(tick_delay(interval, 0.999999), milliseconds(12'001)) << "rounded towards the interval";
  EXPECT_EQ(tick_delay(interval, -3.0), interval) << "out of range draws are clamped";
  EXPECT_EQ(tick_delay(interval, 7.0), milliseconds(12'000));
  EXPECT_EQ(tick_delay(milliseconds(1), 0.9), milliseconds(1)) << "never zero";
  EXPECT_EQ(tick_delay(interval, 0.0, true), interval) << "a connection's first tick: up to half less";
  EXPECT_EQ(tick_delay(interval, 1.0, true), milliseconds(7'500));
}

// 2,000 connections of a reconnect storm, all opened in the same millisecond: after a
// minute of 15 s ticks (with random draws, seeded), their ticks are spread over seconds
// and no 100 ms holds more than a few percent of them — where fixed intervals kept all
// 2,000 pings and re-checks at auth in one instant, every interval, for good.
TEST(TickDelay, ConnectionsOpenedTogetherDriftApart) {
  const milliseconds interval{15'000};
  std::mt19937 rng(20261123);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  constexpr int kConnections = 2000;
  std::vector<milliseconds> at(kConnections, milliseconds(0));
  std::map<long long, int> first_per_100ms;
  for (auto& t : at) {
    t = tick_delay(interval, unit(rng), true);
    ASSERT_GE(t, interval / 2);
    ++first_per_100ms[t.count() / 100];
    while (t < milliseconds(60'000)) {
      const auto d = tick_delay(interval, unit(rng));
      ASSERT_LE(d, interval) << "a ping at least every interval";
      ASSERT_GE(d, interval * 4 / 5);
      t += d;
    }
  }
  for (const auto& [slot, n] : first_per_100ms) EXPECT_LT(n, kConnections / 40) << "first ticks at " << slot * 100 << " ms";
  std::map<long long, int> per_100ms;
  for (const auto t : at) ++per_100ms[t.count() / 100];
  int busiest = 0;
  for (const auto& [slot, n] : per_100ms) busiest = std::max(busiest, n);
  EXPECT_LT(busiest, kConnections / 20) << "the busiest 100 ms holds " << busiest << " of " << kConnections;
  const auto [lo, hi] = std::minmax_element(at.begin(), at.end());
  EXPECT_GT(*hi - *lo, milliseconds(3'000));
}

}  // namespace
}  // namespace bw::relay
