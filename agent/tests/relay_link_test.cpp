// RelayLink's pure parts: the reconnect delay (full jitter, cap, relay hint) with the random
// value injected, the durable offset file, and the sending / stream locks.
#include "relay_link.hpp"

#include <gtest/gtest.h>

#include "bw/testing/temp_dir.hpp"
#include "pairing_book.hpp"
#include "private_file.hpp"

namespace bw::agent {
namespace {

using std::chrono::milliseconds;
constexpr std::uint64_t kMaxRandom = ~std::uint64_t{0};

TEST(ReconnectDelay, DoublesTheCeilingPerAttemptUpToTheCap) {
  const BackoffPolicy p{milliseconds(250), milliseconds(30'000), milliseconds(10'000)};
  // random = ceiling gives the ceiling itself (random % (ceiling + 1)).
  EXPECT_EQ(reconnect_delay(p, 0, 250, milliseconds(0)), milliseconds(250));
  EXPECT_EQ(reconnect_delay(p, 1, 500, milliseconds(0)), milliseconds(500));
  EXPECT_EQ(reconnect_delay(p, 4, 4000, milliseconds(0)), milliseconds(4000));
  EXPECT_EQ(reconnect_delay(p, 7, 30'000, milliseconds(0)), milliseconds(30'000));  // 32 s capped
  EXPECT_EQ(reconnect_delay(p, 200, 30'000, milliseconds(0)), milliseconds(30'000));  // no overflow
}

TEST(ReconnectDelay, IsFullJitterBetweenZeroAndTheCeiling) {
  const BackoffPolicy p{};
  EXPECT_EQ(reconnect_delay(p, 3, 0, milliseconds(0)), milliseconds(0));
  for (std::uint64_t r : {std::uint64_t{1}, std::uint64_t{12345}, kMaxRandom}) {
    for (unsigned a = 0; a < 40; ++a) {
      const auto d = reconnect_delay(p, a, r, milliseconds(0));
      EXPECT_GE(d.count(), 0);
      EXPECT_LE(d, p.cap);
    }
  }
  // Two different random values give different delays (the herd spreads).
  EXPECT_NE(reconnect_delay(p, 5, 1000, milliseconds(0)), reconnect_delay(p, 5, 2000, milliseconds(0)));
}

TEST(ReconnectDelay, WaitsAtLeastTheRelaysHintPlusJitter) {
  const BackoffPolicy p{};
  EXPECT_EQ(reconnect_delay(p, 0, 0, milliseconds(5000)), milliseconds(5000));
  EXPECT_EQ(reconnect_delay(p, 0, 250, milliseconds(5000)), milliseconds(5250));
  EXPECT_EQ(reconnect_delay(p, 0, 0, milliseconds(-5)), milliseconds(0));  // a negative hint is ignored
}

TEST(Offset, IsStoredDurablyAndReadBack) {
  auto dir = testing::TempDir::create("bw-offset-");
  ASSERT_TRUE(dir);
  const std::string d = dir->path().string();
  auto none = load_offset(d);
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, Offset{});
  ASSERT_TRUE(save_offset(d, {1'700'000'000'123, 7}));
  auto back = load_offset(d);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, (Offset{1'700'000'000'123, 7}));
  EXPECT_LT((Offset{5, 9}), (Offset{6, 0}));
}

TEST(Offset, RefusesADamagedFile) {
  auto dir = testing::TempDir::create("bw-offset-");
  ASSERT_TRUE(dir);
  const std::string d = dir->path().string();
  for (const char* bad : {"", "12", "1-2", "x-1\n", "1-2\nextra", "-1-2\n"}) {
    ASSERT_TRUE(write_private_file(d, kOffsetFile, bad));
    EXPECT_FALSE(load_offset(d)) << bad;
  }
}

TEST(SendLock, ASecondHolderFailsClearlyUntilTheFirstLetsGo) {
  auto dir = testing::TempDir::create("bw-lock-");
  ASSERT_TRUE(dir);
  e2e::Id pairing{};
  pairing.fill(7);
  {
    auto first = SendLock::acquire(dir->path().string(), pairing);
    ASSERT_TRUE(first);
    auto second = SendLock::acquire(dir->path().string(), pairing);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("already sending"), std::string::npos);
  }
  EXPECT_TRUE(SendLock::acquire(dir->path().string(), pairing));
}

TEST(PairingBook, AddsReplacesRemovesAndRefusesDamage) {
  auto dir = testing::TempDir::create("bw-book-");
  ASSERT_TRUE(dir);
  const std::string d = dir->path().string();
  e2e::Id p{}, c{};
  p.fill(1);
  c.fill(2);
  ASSERT_TRUE(add_to_book(d, {p, c, e2e::Role::kViewer}));
  ASSERT_TRUE(add_to_book(d, {p, c, e2e::Role::kMember}));
  auto book = load_book(d);
  ASSERT_TRUE(book);
  ASSERT_EQ(book->size(), 1u);
  EXPECT_EQ(book->front().role, e2e::Role::kMember);
  ASSERT_TRUE(remove_from_book(d, p));
  EXPECT_TRUE(load_book(d)->empty());
  ASSERT_TRUE(write_private_file(d, kPairingBookFile, R"({"pairings":[{"pairing_id":"zz"}]})"));
  EXPECT_FALSE(load_book(d));
}

}  // namespace
}  // namespace bw::agent
