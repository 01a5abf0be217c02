// Reply decoding: the four-integer shape is required; error replies keep their codes.
#include <gtest/gtest.h>

#include "bw/counters/replies.hpp"
#include "bw/redis/errors.hpp"

namespace bw::counters {
namespace {

using redis::Reply;

Reply four(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d) {
  return Reply::array({Reply::integer(a), Reply::integer(b), Reply::integer(c), Reply::integer(d)});
}

TEST(Replies, DecodesAWindowDecision) {
  auto d = parse_window_decision(four(1, 3, 7, 1500));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->allowed);
  EXPECT_EQ(d->current, 3);
  EXPECT_EQ(d->remaining, 7);
  EXPECT_EQ(d->reset_after_ms, 1500);
}

TEST(Replies, DecodesGcraAndLockout) {
  auto g = parse_gcra_decision(four(0, 0, 70, 370));
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->allowed);
  EXPECT_EQ(g->retry_after_ms, 70);
  auto l = parse_lockout_state(four(1, 1, 10, 900'000));
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->locked);
  EXPECT_TRUE(l->recorded);
  EXPECT_EQ(l->failures, 10);
}

TEST(Replies, WrongShapeIsAProtocolError) {
  auto d = parse_window_decision(Reply::array({Reply::integer(1)}));
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(redis::has_code(d.error(), redis::Errc::kProtocol));
  auto s = parse_gcra_decision(Reply::array({Reply::integer(1), Reply::string("x"),
                                             Reply::integer(1), Reply::integer(1)}));
  EXPECT_FALSE(s.ok());
}

TEST(Replies, NoscriptReplyKeepsItsCode) {
  auto d = parse_window_decision(Reply::error("NOSCRIPT No matching script."));
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(redis::has_code(d.error(), redis::Errc::kNoScript));
}

TEST(Replies, CheckAndRecordIsOkOrNil) {
  EXPECT_TRUE(*parse_check_and_record(Reply::status("OK")));
  EXPECT_FALSE(*parse_check_and_record(Reply::nil()));
  EXPECT_FALSE(parse_check_and_record(Reply::integer(1)).ok());
}

}  // namespace
}  // namespace bw::counters
