// Lease accounting with an injected clock: spending never passes what was granted, expired
// leases are forfeit, unspent tokens are handed back once, refusals are remembered.
#include "bw/quota/bucket.hpp"

#include <gtest/gtest.h>

namespace bw::quota {
namespace {

using std::chrono::milliseconds;

const Clock::time_point t0 = Clock::time_point(std::chrono::hours(1));

Grant grant(std::int64_t tokens, std::string id, milliseconds valid) { return Grant{tokens, std::move(id), t0 + valid}; }

TEST(LeaseBucket, SpendsExactlyWhatWasGranted) {
  LeaseBucket b;
  EXPECT_FALSE(b.try_spend(1, t0));  // nothing held
  b.add(grant(10, "a", milliseconds(1000)), t0);
  int spent = 0;
  while (b.try_spend(1, t0)) ++spent;
  EXPECT_EQ(spent, 10);
  EXPECT_EQ(b.available(t0), 0);
  EXPECT_TRUE(b.take_unspent(t0).empty());
}

TEST(LeaseBucket, LargeSpendsDrawOnSeveralLeasesOrNone) {
  LeaseBucket b;
  b.add(grant(4, "a", milliseconds(1000)), t0);
  b.add(grant(4, "b", milliseconds(2000)), t0);
  EXPECT_FALSE(b.try_spend(9, t0));  // all or nothing
  EXPECT_EQ(b.available(t0), 8);
  EXPECT_TRUE(b.try_spend(6, t0));  // 4 from a, 2 from b
  const auto unspent = b.take_unspent(t0);
  ASSERT_EQ(unspent.size(), 1u);
  EXPECT_EQ(unspent[0].lease_id, "b");
  EXPECT_EQ(unspent[0].tokens, 2);
}

TEST(LeaseBucket, OlderLeasesAreHandedBackWhenASuccessorArrives) {
  LeaseBucket b;
  EXPECT_TRUE(b.take_older_unspent(t0).empty());
  b.add(grant(4, "a", milliseconds(1000)), t0);
  EXPECT_TRUE(b.take_older_unspent(t0).empty()) << "a lone lease stays";
  b.add(grant(5, "b", milliseconds(2000)), t0);
  EXPECT_TRUE(b.try_spend(1, t0));  // from a, the oldest
  const auto older = b.take_older_unspent(t0);
  ASSERT_EQ(older.size(), 1u);
  EXPECT_EQ(older[0].lease_id, "a");
  EXPECT_EQ(older[0].tokens, 3);
  EXPECT_EQ(b.available(t0), 5) << "the newest stays, whole";
  EXPECT_TRUE(b.take_older_unspent(t0).empty()) << "handed back once";
}

TEST(LeaseBucket, ExpiredLeasesAreForfeit) {
  LeaseBucket b;
  b.add(grant(5, "a", milliseconds(100)), t0);
  b.add(grant(5, "b", milliseconds(300)), t0);
  EXPECT_EQ(b.available(t0 + milliseconds(99)), 10);
  EXPECT_EQ(b.available(t0 + milliseconds(100)), 5);  // valid_until is exclusive
  EXPECT_FALSE(b.try_spend(6, t0 + milliseconds(150)));
  EXPECT_TRUE(b.try_spend(5, t0 + milliseconds(150)));
  b.add(grant(5, "c", milliseconds(200)), t0);
  EXPECT_FALSE(b.try_spend(1, t0 + milliseconds(200)));
  EXPECT_TRUE(b.take_unspent(t0 + milliseconds(400)).empty());  // nothing valid to return
}

TEST(LeaseBucket, UnspentIsHandedOutOnceAndOnlyForReturnableLeases) {
  LeaseBucket b;
  b.add(grant(7, "a", milliseconds(1000)), t0);
  b.add(grant(9, "", milliseconds(1000)), t0);  // unlimited / degraded: nothing to return
  ASSERT_TRUE(b.try_spend(3, t0));
  auto first = b.take_unspent(t0 + milliseconds(10));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].tokens, 4);
  EXPECT_TRUE(b.take_unspent(t0 + milliseconds(10)).empty());
  EXPECT_FALSE(b.try_spend(1, t0 + milliseconds(10)));  // returned tokens are no longer spendable
}

TEST(LeaseBucket, IgnoresEmptyAndStaleGrants) {
  LeaseBucket b;
  b.add(grant(0, "a", milliseconds(1000)), t0);
  b.add(grant(5, "b", milliseconds(0)), t0);
  b.add(grant(-3, "c", milliseconds(1000)), t0);
  EXPECT_EQ(b.available(t0), 0);
  EXPECT_TRUE(b.idle(t0));
}

TEST(LeaseBucket, RemembersARefusalUntilItsRetryTime) {
  LeaseBucket b;
  b.refuse(t0 + milliseconds(500));
  EXPECT_TRUE(b.refused(t0));
  EXPECT_FALSE(b.idle(t0));
  EXPECT_TRUE(b.refused(t0 + milliseconds(499)));
  EXPECT_FALSE(b.refused(t0 + milliseconds(500)));
  b.refuse(t0 + milliseconds(900));
  b.add(grant(1, "a", milliseconds(1000)), t0 + milliseconds(600));  // a grant ends the refusal
  EXPECT_FALSE(b.refused(t0 + milliseconds(600)));
  EXPECT_TRUE(b.try_spend(1, t0 + milliseconds(600)));
}

TEST(LeaseBucket, SpendingZeroIsFreeAndNegativeIsRefused) {
  LeaseBucket b;
  EXPECT_TRUE(b.try_spend(0, t0));
  EXPECT_FALSE(b.try_spend(-1, t0));
}

}  // namespace
}  // namespace bw::quota
