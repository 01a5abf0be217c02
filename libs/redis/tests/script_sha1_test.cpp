// script_sha1 and the EVALSHA argv: computed locally, equal to what Redis computes.
#include <gtest/gtest.h>

#include "bw/redis/script.hpp"

namespace bw::redis {
namespace {

TEST(ScriptSha1, MatchesKnownDigests) {
  EXPECT_EQ(script_sha1(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(script_sha1("return 1"), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST(Script, EvalshaCommandPutsKeysBeforeArgs) {
  Script script("incr", "return redis.call(\"INCR\", KEYS[1])");
  EXPECT_EQ(script.sha1(), "f793247de6e1e3c553cd42d39c812df499e679e4");
  EXPECT_EQ(script.evalsha_command({"k1", "k2"}, {"a"}),
            (std::vector<std::string>{"EVALSHA", script.sha1(), "2", "k1", "k2", "a"}));
  EXPECT_EQ(script.evalsha_command({}, {}),
            (std::vector<std::string>{"EVALSHA", script.sha1(), "0"}));
}

TEST(ScriptRegistry, RejectsDuplicateAndEmptyNames) {
  ScriptRegistry registry;
  EXPECT_TRUE(registry.add("one", "return 1").ok());
  EXPECT_FALSE(registry.add("one", "return 2").ok());
  EXPECT_FALSE(registry.add("", "return 3").ok());
  ASSERT_NE(registry.find("one"), nullptr);
  EXPECT_EQ(registry.find("one")->source(), "return 1");
  EXPECT_EQ(registry.find("two"), nullptr);
}

}  // namespace
}  // namespace bw::redis
