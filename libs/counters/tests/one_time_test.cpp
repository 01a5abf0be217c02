// One-time use (SET NX PX): first use then duplicate, a TTL on the record, and exactly one
// winner among racers from two service instances.
#include <array>
#include <atomic>

#include "counters_fixture.hpp"

namespace bw::counters {
namespace {

using test::CountersTest;
using std::chrono::milliseconds;

class CheckAndRecord : public CountersTest {};

TEST_F(CheckAndRecord, FirstUseThenDuplicate) {
  auto first = counters_.check_and_record(conn_, key("n:abc"), 30'000);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*counters_.check_and_record(conn_, key("n:abc"), 30'000));
  std::int64_t ttl = pttl(key("n:abc"));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 30'000);
}

TEST_F(CheckAndRecord, ExactlyOneRacerSeesFirstUse) {
  constexpr int kIds = 20;
  std::array<std::atomic<int>, kIds> first_uses{};
  std::atomic<int> failed{0};
  hammer(2, 8, [&](redis::Pool& pool) {
    for (int id = 0; id < kIds; ++id) {
      auto lease = pool.checkout(milliseconds(2000));
      if (!lease) { ++failed; continue; }
      auto fresh = counters_.check_and_record(**lease, key("n:" + std::to_string(id)), 10'000);
      if (!fresh) { ++failed; continue; }
      if (*fresh) ++first_uses[id];
    }
  });
  EXPECT_EQ(failed.load(), 0);
  for (int id = 0; id < kIds; ++id) EXPECT_EQ(first_uses[id].load(), 1) << "id " << id;
}

TEST_F(CheckAndRecord, RefusesANonPositiveTtl) {
  EXPECT_FALSE(counters_.check_and_record(conn_, key("n:x"), 0).ok());
  EXPECT_EQ(conn_.command({"EXISTS", key("n:x")})->as_integer(), 0);
}

}  // namespace
}  // namespace bw::counters
