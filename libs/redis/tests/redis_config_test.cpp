#include "bw/redis/redis_config.hpp"

#include <gtest/gtest.h>

#include "bw/redis/errors.hpp"

namespace bw::redis {
namespace {

Result<PoolConfig> read(config::Environment env) {
  config::Schema s;
  add_config_keys(s);
  auto v = config::load(s, "", "test", env);
  EXPECT_TRUE(v) << v.error().message;
  return read_config(v.value());
}

TEST(RedisConfig, ReadsAddressAndTimeouts) {
  auto c = read({{"BREAKWATER_REDIS_ADDRESS", "redis.internal:6380"}, {"BREAKWATER_REDIS_COMMAND_TIMEOUT", "250ms"},
                 {"BREAKWATER_REDIS_POOL_SIZE", "8"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->connection.host, "redis.internal");
  EXPECT_EQ(c->connection.port, 6380);
  EXPECT_EQ(c->connection.command_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(c->pool_size, 8u);
}

TEST(RedisConfig, RefusesMalformedAddresses) {
  for (auto bad : {"redis", ":6379", "redis:", "redis:0", "redis:65536", "redis:63x9"}) {
    auto c = read({{"BREAKWATER_REDIS_ADDRESS", bad}});
    ASSERT_FALSE(c) << bad;
    EXPECT_TRUE(has_code(c.error(), Errc::kInvalidArgument));
    EXPECT_NE(c.error().message.find("redis.address"), std::string::npos);
  }
}

TEST(RedisConfig, PasswordAndPasswordFileAreExclusive) {
  auto c = read({{"BREAKWATER_REDIS_PASSWORD", "x"}, {"BREAKWATER_REDIS_PASSWORD_FILE", "/etc/hostname"}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("not both"), std::string::npos);
}

}  // namespace
}  // namespace bw::redis
