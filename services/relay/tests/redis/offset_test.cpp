// Offsets and key names: strict parsing, ordering, neighbours, one hash tag per device.
#include "redis/offset.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "bw/redis/keys.hpp"
#include "redis/relay_keys.hpp"

namespace bw::relay::redis {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(Offset, RoundTripsCanonicalStreamIds) {
  for (Offset o : {Offset{0, 0}, Offset{1795364866400, 3}, Offset{kMax, kMax}}) {
    auto parsed = parse_offset(to_stream_id(o));
    ASSERT_TRUE(parsed.has_value()) << to_stream_id(o);
    EXPECT_EQ(*parsed, o);
  }
  EXPECT_EQ(to_stream_id({12, 7}), "12-7");
}

TEST(Offset, RejectsEverythingElse) {
  for (const char* bad : {"", "-", "1", "1-", "-1", "01-2", "1-02", "+1-2", "1-+2", "1-2 ",
                          " 1-2", "1-2-3", "a-1", "1-b", "18446744073709551616-0",
                          "0-18446744073709551616", "1_2", "0x1-2"}) {
    EXPECT_FALSE(parse_offset(bad).has_value()) << bad;
  }
}

TEST(Offset, ComparesAsThePair) {
  EXPECT_LT((Offset{1, 9}), (Offset{2, 0}));
  EXPECT_LT((Offset{2, 0}), (Offset{2, 1}));
  EXPECT_TRUE((Offset{0, 0}).is_zero());
  EXPECT_FALSE((Offset{0, 1}).is_zero());
}

TEST(Offset, NeighboursCarryAndStopAtTheEnds) {
  EXPECT_EQ(next_offset({5, 1}), (Offset{5, 2}));
  EXPECT_EQ(next_offset({5, kMax}), (Offset{6, 0}));
  EXPECT_FALSE(next_offset({kMax, kMax}).has_value());
  EXPECT_EQ(previous_offset({5, 2}), (Offset{5, 1}));
  EXPECT_EQ(previous_offset({5, 0}), (Offset{4, kMax}));
  EXPECT_FALSE(previous_offset({0, 0}).has_value());
}

DeviceId device_of(std::uint8_t fill) {
  DeviceId d{};
  d.fill(fill);
  d[0] = 0xab;
  return d;
}

TEST(RelayKeys, AllNamesOfADeviceShareOneSlotAndMatchTheSharedHelper) {
  const DeviceId d = device_of(0x3f);
  Nonce n{};
  n.fill(0xee);
  const std::string hex = id_hex(d);
  EXPECT_EQ(hex, "ab3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f");
  EXPECT_EQ(mailbox_key(d), *bw::redis::device_key(hex, "mbox"));
  EXPECT_EQ(nonce_key(d, n), *bw::redis::device_key(hex, "n:" + id_hex(n)));
  EXPECT_EQ(device_channel(d), "bw:{d:" + hex + "}:ch");
  const auto slot = bw::redis::hash_slot(mailbox_key(d));
  for (const auto& name : {nonce_key(d, n), cut_key(d), owner_key(d), device_channel(d)}) {
    EXPECT_EQ(bw::redis::hash_slot(name), slot) << name;
  }
}

TEST(RelayKeys, ParsesOnlyExactDeviceChannels) {
  const DeviceId d = device_of(0x01);
  EXPECT_EQ(parse_device_channel(device_channel(d)), d);
  std::string upper = device_channel(d);
  upper[6] = 'A';  // "ab" → "Ab": not canonical
  for (const std::string& bad : std::vector<std::string>{std::string(), upper, mailbox_key(d), device_channel(d) + "x", "bw:{d:zz}:ch",
        "bw:{d:" + std::string(32, 'g') + "}:ch", "bw:{t:" + id_hex(d) + "}:ch"}) {
    EXPECT_FALSE(parse_device_channel(bad).has_value()) << bad;
  }
}

TEST(RelayKeys, TokensAreShortAndPlain) {
  EXPECT_TRUE(is_valid_token("pod-1/3fa9c0.x:y_z"));
  EXPECT_FALSE(is_valid_token(""));
  EXPECT_FALSE(is_valid_token(std::string(65, 'a')));
  EXPECT_TRUE(is_valid_token(std::string(64, 'a')));
  for (const char* bad : {"a b", "a\nb", "a{b", "a}b", "é"}) EXPECT_FALSE(is_valid_token(bad)) << bad;
}

}  // namespace
}  // namespace bw::relay::redis
