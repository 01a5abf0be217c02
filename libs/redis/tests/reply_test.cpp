// Reply as a value, and the hiredis → Reply conversion on real RESP bytes parsed by
// hiredis's own reader (no server needed).
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>

#include "bw/redis/errors.hpp"
#include "bw/redis/reply.hpp"
#include "hiredis_reply.hpp"

namespace bw::redis {
namespace {

// Parses one RESP reply with hiredis and converts it.
Result<Reply> parse(const std::string& resp) {
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader(redisReaderCreate(),
                                                              redisReaderFree);
  EXPECT_EQ(redisReaderFeed(reader.get(), resp.data(), resp.size()), REDIS_OK);
  void* raw = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader.get(), &raw), REDIS_OK);
  std::unique_ptr<void, void (*)(void*)> owned(raw, freeReplyObject);
  return detail::to_reply(static_cast<redisReply*>(raw));
}

TEST(Reply, DefaultIsNilAndKindsAreDistinct) {
  EXPECT_TRUE(Reply().is_nil());
  EXPECT_NE(Reply::string("OK"), Reply::status("OK"));
  EXPECT_NE(Reply::string("x"), Reply::error("x"));
  EXPECT_EQ(Reply::integer(7), Reply::integer(7));
}

TEST(Reply, DebugStringShowsStructure) {
  Reply r = Reply::array({Reply::integer(1), Reply::string("a"), Reply::nil(),
                          Reply::status("OK"), Reply::error("ERR x")});
  EXPECT_EQ(r.debug_string(), "[1, \"a\", nil, +OK, -ERR x]");
}

TEST(Reply, ErrorReplyBecomesErrorWithClassifiedCode) {
  auto noscript = error_reply_to_result(Reply::error("NOSCRIPT No matching script."));
  ASSERT_FALSE(noscript.ok());
  EXPECT_TRUE(has_code(noscript.error(), Errc::kNoScript));
  EXPECT_TRUE(has_code(error_reply_to_result(Reply::error("NOAUTH x")).error(), Errc::kAuth));
  EXPECT_TRUE(has_code(error_reply_to_result(Reply::error("WRONGTYPE x")).error(),
                       Errc::kServerError));
  EXPECT_TRUE(error_reply_to_result(Reply::status("OK")).ok());
}

TEST(ClassifyServerError, MatchesWholeFirstWordOnly) {
  EXPECT_EQ(classify_server_error("NOSCRIPT"), Errc::kNoScript);
  EXPECT_EQ(classify_server_error("NOSCRIPTS x"), Errc::kServerError);
  EXPECT_EQ(classify_server_error("WRONGPASS invalid"), Errc::kAuth);
  EXPECT_EQ(classify_server_error(""), Errc::kServerError);
}

TEST(HiredisReply, ConvertsScalars) {
  EXPECT_EQ(*parse(":-42\r\n"), Reply::integer(-42));
  EXPECT_EQ(*parse("+OK\r\n"), Reply::status("OK"));
  EXPECT_EQ(*parse("-ERR bad\r\n"), Reply::error("ERR bad"));
  EXPECT_EQ(*parse("$-1\r\n"), Reply::nil());
  EXPECT_EQ(*parse("$0\r\n\r\n"), Reply::string(""));
}

TEST(HiredisReply, KeepsNulAndCrlfInsideBulkStrings) {
  std::string value("a\0b\r\nc", 6);
  auto reply = parse("$6\r\n" + value + "\r\n");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->as_string(), value);
  EXPECT_EQ(reply->as_string().size(), 6u);
}

TEST(HiredisReply, ConvertsNestedArrays) {
  auto reply = parse("*3\r\n:1\r\n*2\r\n$1\r\nx\r\n$-1\r\n*0\r\n");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(*reply, Reply::array({Reply::integer(1),
                                  Reply::array({Reply::string("x"), Reply::nil()}),
                                  Reply::array({})}));
  EXPECT_EQ(*parse("*-1\r\n"), Reply::nil());
}

TEST(HiredisReply, NullReplyIsAProtocolError) {
  auto reply = detail::to_reply(nullptr);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(has_code(reply.error(), Errc::kProtocol));
}

}  // namespace
}  // namespace bw::redis
