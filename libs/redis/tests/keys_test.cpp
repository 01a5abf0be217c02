// Hash-tagged keys and hash_slot: the Redis Cluster rules, and that no id or suffix can
// move a key to another slot.
#include <gtest/gtest.h>

#include <string>

#include "bw/redis/errors.hpp"
#include "bw/redis/keys.hpp"

namespace bw::redis {
namespace {

TEST(HashSlot, MatchesRedisClusterKnownValues) {
  EXPECT_EQ(hash_slot("foo"), 12182);
  EXPECT_EQ(hash_slot("bar"), 5061);
  EXPECT_EQ(hash_slot("hello"), 866);
  EXPECT_EQ(hash_slot("123456789"), 0x31C3 % kHashSlots);  // the CRC16/XMODEM check value
  EXPECT_EQ(hash_slot(""), 0);
}

TEST(HashSlot, HashesOnlyTheFirstTag) {
  EXPECT_EQ(hash_slot("{user1000}.following"), hash_slot("{user1000}.followers"));
  EXPECT_EQ(hash_slot("{user1000}.following"), hash_slot("user1000"));
  EXPECT_EQ(hash_slot("foo{bar}{zap}"), hash_slot("bar"));
  EXPECT_EQ(hash_slot("foo{{bar}}zap"), hash_slot("{bar"));
}

TEST(HashSlot, EmptyOrUnclosedTagHashesTheWholeKey) {
  EXPECT_EQ(hash_slot("foo{}{bar}"), 8363);
  EXPECT_NE(hash_slot("foo{}{bar}"), hash_slot("bar"));
  EXPECT_EQ(hash_slot("foo{bar"), hash_slot(std::string("foo{bar")));
  EXPECT_NE(hash_slot("foo{bar"), hash_slot("bar"));
}

TEST(Keys, DeviceKeyHasTheDesignShape) {
  auto key = device_key("3fa9c0", "mbox");
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(*key, "bw:{d:3fa9c0}:mbox");
  auto nonce = device_key("3fa9c0", "n:00ff");
  ASSERT_TRUE(nonce.ok());
  EXPECT_EQ(*nonce, "bw:{d:3fa9c0}:n:00ff");
}

TEST(Keys, TenantAndGenericKeys) {
  EXPECT_EQ(*tenant_key("acme-1", "quota"), "bw:{t:acme-1}:quota");
  EXPECT_EQ(*tagged_key("p", "code42", "attempts"), "bw:{p:code42}:attempts");
}

TEST(Keys, AllKeysOfOneDeviceStepShareASlot) {
  const std::string device = "9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d";
  auto mbox = device_key(device, "mbox");
  auto nonce = device_key(device, "n:5f2b9c1e");
  auto channel = device_key(device, "ch");
  ASSERT_TRUE(mbox.ok() && nonce.ok() && channel.ok());
  EXPECT_EQ(hash_slot(*mbox), hash_slot(*nonce));
  EXPECT_EQ(hash_slot(*mbox), hash_slot(*channel));
  EXPECT_EQ(hash_slot(*mbox), hash_slot("d:" + device));
}

TEST(Keys, RejectsBracesInIdOrSuffix) {
  for (const char* bad : {"a{b", "a}b", "{", "}", "x}:{d:victim"}) {
    auto by_id = device_key(bad, "mbox");
    ASSERT_FALSE(by_id.ok()) << bad;
    EXPECT_TRUE(has_code(by_id.error(), Errc::kInvalidArgument));
    EXPECT_FALSE(device_key("abc", bad).ok()) << bad;
  }
}

TEST(Keys, RejectsWhitespaceControlAndEmptyParts) {
  for (std::string bad : {std::string("a b"), std::string("a\tb"), std::string("a\nb"),
                          std::string("a\rb"), std::string("a\0b", 3), std::string("a\x7f"),
                          std::string("\x1b[0m"), std::string()}) {
    EXPECT_FALSE(tenant_key(bad, "s").ok());
    EXPECT_FALSE(tenant_key("t", bad).ok());
  }
}

TEST(Keys, KindMayNotContainAColon) {
  EXPECT_FALSE(tagged_key("d:x", "id", "s").ok());
  EXPECT_FALSE(tagged_key("", "id", "s").ok());
}

TEST(Keys, ErrorMessageDoesNotEchoTheRejectedPart) {
  auto key = device_key("secret{x", "mbox");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().message.find("secret"), std::string::npos);
}

TEST(Keys, NonAsciiBytesAreAllowed) {
  auto key = tenant_key("caf\xc3\xa9", "s");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(hash_slot(*key), hash_slot("t:caf\xc3\xa9"));
}

}  // namespace
}  // namespace bw::redis
