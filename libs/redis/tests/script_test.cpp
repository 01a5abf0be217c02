// Scripts against a real server: EVALSHA after load, recovery from NOSCRIPT (SCRIPT FLUSH),
// scripts in pipelines, and a device step whose keys all share one hash tag.
#include <gtest/gtest.h>

#include "bw/redis/errors.hpp"
#include "bw/redis/keys.hpp"
#include "bw/redis/script.hpp"
#include "bw/redis/redis_test.hpp"

namespace bw::redis {
namespace {

using test::RedisTest;

class ScriptTest : public RedisTest {};

const char* kIncrBy = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

TEST_F(ScriptTest, FirstEvalLoadsTheScriptAndReturnsItsResult) {
  Connection conn(options());
  Script script("incrby", kIncrBy);
  auto exists = conn.command({"SCRIPT", "EXISTS", script.sha1()});
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(*exists, Reply::array({Reply::integer(0)}));
  auto result = script.eval(conn, {"n"}, {"5"});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Reply::integer(5));
  EXPECT_EQ(*conn.command({"SCRIPT", "EXISTS", script.sha1()}),
            Reply::array({Reply::integer(1)}));
}

TEST_F(ScriptTest, LoadReturnsOurLocalSha1) {
  Connection conn(options());
  Script script("incrby", kIncrBy);
  EXPECT_TRUE(script.load(conn).ok());
  auto direct = conn.command(script.evalsha_command({"n"}, {"2"}));
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  EXPECT_EQ(*direct, Reply::integer(2));
}

TEST_F(ScriptTest, RecoversFromNoscriptAfterScriptFlush) {
  Connection conn(options());
  Script script("incrby", kIncrBy);
  ASSERT_TRUE(script.eval(conn, {"n"}, {"1"}).ok());
  ASSERT_TRUE(conn.command({"SCRIPT", "FLUSH"}).ok());
  auto raw = conn.command(script.evalsha_command({"n"}, {"1"}));
  ASSERT_FALSE(raw.ok());
  EXPECT_TRUE(has_code(raw.error(), Errc::kNoScript));  // nothing ran
  auto result = script.eval(conn, {"n"}, {"1"});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, Reply::integer(2));  // ran exactly once more
}

TEST_F(ScriptTest, LuaErrorIsAServerError) {
  Connection conn(options());
  Script broken("broken", "return redis.call('NOSUCHCOMMAND')");
  auto result = broken.eval(conn, {}, {});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(has_code(result.error(), Errc::kServerError)) << result.error().message;
}

TEST_F(ScriptTest, RegistryRunsScriptsByName) {
  Connection conn(options());
  ScriptRegistry registry;
  ASSERT_TRUE(registry.add("incrby", kIncrBy).ok());
  ASSERT_TRUE(registry.add("echo", "return ARGV[1]").ok());
  EXPECT_EQ(*registry.eval(conn, "incrby", {"n"}, {"7"}), Reply::integer(7));
  std::string binary("a\0b", 3);
  EXPECT_EQ(*registry.eval(conn, "echo", {}, {binary}), Reply::string(binary));
  auto unknown = registry.eval(conn, "nope", {}, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(has_code(unknown.error(), Errc::kInvalidArgument));
}

TEST_F(ScriptTest, EvalshaInAPipelineAfterLoadAll) {
  Connection conn(options());
  ScriptRegistry registry;
  ASSERT_TRUE(registry.add("incrby", kIncrBy).ok());
  ASSERT_TRUE(registry.load_all(conn).ok());
  const Script& script = *registry.find("incrby");
  auto replies = conn.pipeline({script.evalsha_command({"n"}, {"3"}), {"GET", "n"},
                                script.evalsha_command({"n"}, {"4"})});
  ASSERT_TRUE(replies.ok()) << replies.error().message;
  EXPECT_EQ((*replies)[0], Reply::integer(3));
  EXPECT_EQ((*replies)[1], Reply::string("3"));
  EXPECT_EQ((*replies)[2], Reply::integer(7));
}

TEST_F(ScriptTest, NoscriptInAPipelineMarksOnlyThatCommand) {
  Connection conn(options());
  Script script("incrby", kIncrBy);
  auto replies = conn.pipeline({{"SET", "a", "1"}, script.evalsha_command({"n"}, {"1"})});
  ASSERT_TRUE(replies.ok()) << replies.error().message;
  EXPECT_EQ((*replies)[0], Reply::status("OK"));
  ASSERT_TRUE((*replies)[1].is_error());
  EXPECT_EQ(classify_server_error((*replies)[1].as_string()), Errc::kNoScript);
}

// The shape of the relay's atomic step (DESIGN §4): nonce check + mailbox append + notify,
// one script over keys that all carry the device's hash tag.
TEST_F(ScriptTest, DeviceStepKeysShareOneSlotAndRunAtomically) {
  Connection conn(options());
  const std::string device = "9b1deb4d3b7d4bad";
  auto nonce = device_key(device, "n:abc123");
  auto mbox = device_key(device, "mbox");
  auto channel = device_key(device, "ch");
  ASSERT_TRUE(nonce.ok() && mbox.ok() && channel.ok());
  ASSERT_EQ(hash_slot(*nonce), hash_slot(*mbox));
  ASSERT_EQ(hash_slot(*nonce), hash_slot(*channel));
  Script step("append", R"lua(
    if redis.call('SET', KEYS[1], 1, 'NX', 'EX', 60) == false then return 0 end
    local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', 1000, '*', 'e', ARGV[1])
    redis.call('PUBLISH', KEYS[3], id)
    return 1)lua");
  EXPECT_EQ(*step.eval(conn, {*nonce, *mbox, *channel}, {"envelope"}), Reply::integer(1));
  EXPECT_EQ(*step.eval(conn, {*nonce, *mbox, *channel}, {"replay"}), Reply::integer(0));
  EXPECT_EQ(*conn.command({"XLEN", *mbox}), Reply::integer(1));
}

}  // namespace
}  // namespace bw::redis
