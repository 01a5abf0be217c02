#include "bw/service/readiness.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace bw::service {
namespace {

TEST(Readiness, NotReadyBeforeTheFirstPoll) {
  Readiness r;
  EXPECT_FALSE(r.snapshot().ready);
  EXPECT_TRUE(r.poll());
  EXPECT_TRUE(r.snapshot().ready);
}

TEST(Readiness, AllChecksMustPass) {
  Readiness r;
  bool redis_up = true;
  r.add_check("redis", [&] { return redis_up; });
  r.add_check("keys", [] { return true; });
  EXPECT_TRUE(r.poll());
  redis_up = false;
  EXPECT_FALSE(r.poll());
  auto s = r.snapshot();
  EXPECT_FALSE(s.ready);
  ASSERT_EQ(s.checks.size(), 2u);
  EXPECT_EQ(s.checks[0], (std::pair<std::string, bool>{"redis", false}));
}

TEST(Readiness, AThrowingCheckFails) {
  Readiness r;
  r.add_check("broken", []() -> bool { throw std::runtime_error("boom"); });
  EXPECT_FALSE(r.poll());
}

TEST(Readiness, DrainIsFinal) {
  Readiness r;
  EXPECT_TRUE(r.poll());
  r.drain();
  EXPECT_FALSE(r.snapshot().ready);
  EXPECT_FALSE(r.poll());
  EXPECT_TRUE(r.snapshot().draining);
}

}  // namespace
}  // namespace bw::service
