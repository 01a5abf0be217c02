// Connection against a real redis-server: replies of every kind, binary safety, pipelines,
// AUTH and SELECT, and the refusals that happen before anything is sent.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bw/redis/connection.hpp"
#include "bw/redis/errors.hpp"
#include "bw/testing/redis_server.hpp"
#include "bw/redis/redis_test.hpp"

namespace bw::redis {
namespace {

using test::RedisTest;

class ConnectionTest : public RedisTest {};

TEST_F(ConnectionTest, ConnectsLazilyOnFirstCommand) {
  Connection conn(options());
  EXPECT_FALSE(conn.connected());
  auto pong = conn.command({"PING"});
  ASSERT_TRUE(pong.ok()) << pong.error().message;
  EXPECT_EQ(*pong, Reply::status("PONG"));
  EXPECT_TRUE(conn.connected());
  EXPECT_EQ(conn.stats().connects, 1u);
}

TEST_F(ConnectionTest, ReturnsEveryReplyKind) {
  Connection conn(options());
  EXPECT_EQ(*conn.command({"SET", "k", "v"}), Reply::status("OK"));
  EXPECT_EQ(*conn.command({"GET", "k"}), Reply::string("v"));
  EXPECT_EQ(*conn.command({"GET", "missing"}), Reply::nil());
  EXPECT_EQ(*conn.command({"INCRBY", "n", "-5"}), Reply::integer(-5));
  ASSERT_TRUE(conn.command({"RPUSH", "l", "a", "b"}).ok());
  EXPECT_EQ(*conn.command({"LRANGE", "l", "0", "-1"}),
            Reply::array({Reply::string("a"), Reply::string("b")}));
}

TEST_F(ConnectionTest, ErrorReplyIsAServerErrorAndTheConnectionStaysUsable) {
  Connection conn(options());
  ASSERT_TRUE(conn.command({"SET", "k", "v"}).ok());
  auto wrong = conn.command({"LPUSH", "k", "x"});
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(has_code(wrong.error(), Errc::kServerError));
  EXPECT_EQ(wrong.error().message.rfind("WRONGTYPE", 0), 0u) << wrong.error().message;
  EXPECT_TRUE(conn.connected());
  EXPECT_EQ(*conn.command({"GET", "k"}), Reply::string("v"));
}

TEST_F(ConnectionTest, KeysAndValuesAreBinarySafe) {
  Connection conn(options());
  std::string key("k\0ey\r\n", 6);
  std::string value("\0\x01\xff\r\n$3\r\n", 10);
  ASSERT_TRUE(conn.command({"SET", key, value}).ok());
  auto got = conn.command({"GET", key});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->as_string(), value);
  EXPECT_EQ(*conn.command({"STRLEN", key}), Reply::integer(10));
  EXPECT_EQ(*conn.command({"EXISTS", std::string("k")}), Reply::integer(0));
}

TEST_F(ConnectionTest, PipelineOfThousandCommandsKeepsOrder) {
  Connection conn(options());
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 1000; ++i) {
    commands.push_back(i % 2 == 0 ? std::vector<std::string>{"INCR", "counter"}
                                  : std::vector<std::string>{"GET", "counter"});
  }
  auto replies = conn.pipeline(commands);
  ASSERT_TRUE(replies.ok()) << replies.error().message;
  ASSERT_EQ(replies->size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    int expected = i / 2 + 1;
    const Reply& r = (*replies)[static_cast<std::size_t>(i)];
    if (i % 2 == 0) {
      EXPECT_EQ(r, Reply::integer(expected)) << i;
    } else {
      EXPECT_EQ(r, Reply::string(std::to_string(expected))) << i;
    }
  }
}

TEST_F(ConnectionTest, PipelineKeepsErrorRepliesInPlace) {
  Connection conn(options());
  auto replies = conn.pipeline({{"SET", "s", "x"}, {"INCR", "s"}, {"GET", "s"}});
  ASSERT_TRUE(replies.ok()) << replies.error().message;
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[0], Reply::status("OK"));
  EXPECT_TRUE((*replies)[1].is_error());
  EXPECT_EQ((*replies)[2], Reply::string("x"));
}

TEST_F(ConnectionTest, EmptyPipelineNeedsNoConnection) {
  Connection conn(options());
  auto replies = conn.pipeline({});
  ASSERT_TRUE(replies.ok());
  EXPECT_TRUE(replies->empty());
  EXPECT_FALSE(conn.connected());
}

TEST_F(ConnectionTest, RefusesEmptyCommandsAndSubscribeBeforeSending) {
  Connection conn(options());
  EXPECT_TRUE(has_code(conn.command({}).error(), Errc::kInvalidArgument));
  EXPECT_TRUE(has_code(conn.command({"subscribe", "ch"}).error(), Errc::kInvalidArgument));
  EXPECT_TRUE(has_code(conn.pipeline({{"GET", "a"}, {}}).error(), Errc::kInvalidArgument));
  EXPECT_FALSE(conn.connected());
}

TEST_F(ConnectionTest, SelectsTheConfiguredDatabase) {
  ConnectionOptions in_db3 = options();
  in_db3.db = 3;
  Connection db3(in_db3);
  Connection db0(options());
  ASSERT_TRUE(db3.command({"SET", "where", "three"}).ok());
  EXPECT_EQ(*db0.command({"GET", "where"}), Reply::nil());
  EXPECT_EQ(*db3.command({"GET", "where"}), Reply::string("three"));
}

TEST_F(ConnectionTest, BadDatabaseIsAServerErrorNotARetryLoop) {
  ConnectionOptions bad = options();
  bad.db = 99999;
  Connection conn(bad);
  Status connected = conn.connect();
  ASSERT_FALSE(connected.ok());
  EXPECT_TRUE(has_code(connected.error(), Errc::kServerError)) << connected.error().message;
  EXPECT_EQ(conn.stats().connect_failures, 1u);
}

class PasswordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bw::testing::RedisOptions with_password;
    with_password.password = "correct horse";
    auto started = bw::testing::RedisServer::start(with_password);
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_.emplace(std::move(started).value());
  }
  std::optional<bw::testing::RedisServer> server_;
};

TEST_F(PasswordTest, AuthenticatesWithThePassword) {
  Connection conn(test::options_for(*server_));
  auto pong = conn.command({"PING"});
  ASSERT_TRUE(pong.ok()) << pong.error().message;
  EXPECT_EQ(*pong, Reply::status("PONG"));
}

TEST_F(PasswordTest, WrongPasswordIsAnAuthErrorWithoutRetries) {
  ConnectionOptions wrong = test::options_for(*server_);
  wrong.password = "wrong";
  Connection conn(wrong);
  auto pong = conn.command({"PING"});
  ASSERT_FALSE(pong.ok());
  EXPECT_TRUE(has_code(pong.error(), Errc::kAuth)) << pong.error().message;
  EXPECT_EQ(pong.error().message.find("wrong"), std::string::npos) << "password leaked";
  EXPECT_EQ(conn.stats().connect_failures, 1u);
}

TEST_F(PasswordTest, MissingPasswordIsAnAuthError) {
  ConnectionOptions none = test::options_for(*server_);
  none.password.clear();
  Connection conn(none);
  auto got = conn.command({"GET", "x"});
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(has_code(got.error(), Errc::kAuth)) << got.error().message;
}

}  // namespace
}  // namespace bw::redis
