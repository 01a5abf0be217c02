#include "bw/auditclient/delivery.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "fake_audit_server.hpp"

namespace bw::auditclient {
namespace {

using testing::FakeAuditServer;
using std::chrono::milliseconds;

// Calls the fake service directly: these tests are about the delivery logic, not gRPC.
class DirectPort final : public AppendPort {
 public:
  explicit DirectPort(FakeAuditServer& server) : server_(server) {}
  grpc::Status append(const pb::AppendRequest& request, pb::AppendResponse* response) override {
    ++calls_;
    if (auto it = unavailable_at_.find(calls_); it != unavailable_at_.end()) return {grpc::StatusCode::UNAVAILABLE, ""};
    return server_.Append(nullptr, &request, response);
  }
  std::set<std::size_t> unavailable_at_;  // call numbers (from 1) that fail transiently

 private:
  std::size_t calls_ = 0;
  FakeAuditServer& server_;
};

std::vector<pb::Event> events(const std::vector<std::string>& actions) {
  std::vector<pb::Event> out;
  for (const auto& a : actions) {
    pb::Event e;
    e.set_event_id("id-" + std::to_string(out.size()) + std::string(11, '.'));
    e.set_action(a);
    out.push_back(e);
  }
  return out;
}

std::vector<std::string> actions_of(const std::vector<pb::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.action());
  return out;
}

struct Fixture {
  FakeAuditServer server;
  DirectPort port{server};
  std::vector<milliseconds> waits;
  bool keep_waiting = true;
  Deliverer deliverer{port, RetryPolicy{milliseconds(100), milliseconds(1000)},
                      [this](milliseconds d) {
                        waits.push_back(d);
                        return keep_waiting;
                      },
                      [](milliseconds cap) { return cap; }};
};

TEST(BackoffCap, DoublesFromInitialUpToMax) {
  const RetryPolicy p{milliseconds(100), milliseconds(1000)};
  EXPECT_EQ(backoff_cap(p, 0), milliseconds(100));
  EXPECT_EQ(backoff_cap(p, 1), milliseconds(200));
  EXPECT_EQ(backoff_cap(p, 3), milliseconds(800));
  EXPECT_EQ(backoff_cap(p, 4), milliseconds(1000));
  EXPECT_EQ(backoff_cap(p, 200), milliseconds(1000));
}

TEST(RandomJitter, StaysWithinTheCap) {
  auto jitter = random_jitter();
  for (int i = 0; i < 200; ++i) {
    const auto d = jitter(milliseconds(50));
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 50);
  }
}

TEST(IsRetryable, TransientYesPermanentNo) {
  EXPECT_TRUE(is_retryable(grpc::StatusCode::UNAVAILABLE));
  EXPECT_TRUE(is_retryable(grpc::StatusCode::DEADLINE_EXCEEDED));
  EXPECT_TRUE(is_retryable(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_TRUE(is_retryable(grpc::StatusCode::UNIMPLEMENTED));  // the whole service, not one event
  EXPECT_FALSE(is_retryable(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_FALSE(is_retryable(grpc::StatusCode::NOT_FOUND));
  EXPECT_FALSE(is_retryable(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(code_name(grpc::StatusCode::INVALID_ARGUMENT), "INVALID_ARGUMENT");
  EXPECT_EQ(code_name(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
}

TEST(Deliverer, RetriesTransientFailuresWithGrowingBackoff) {
  Fixture f;
  f.server.fail_next({grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
                      grpc::StatusCode::RESOURCE_EXHAUSTED});
  const auto batch = events({"a.one", "a.two"});
  const auto r = f.deliverer.deliver(batch);
  EXPECT_EQ(r.resolved, 2u);
  EXPECT_EQ(r.sent, 2u);
  EXPECT_EQ(r.retries, 3u);
  EXPECT_EQ(f.waits, (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(400)}));
  EXPECT_EQ(actions_of(f.server.events()), (std::vector<std::string>{"a.one", "a.two"}));
}

TEST(Deliverer, LostAnswerIsRetriedWithTheSameIdsAndNotDuplicated) {
  Fixture f;
  f.server.lose_next_answer();
  const auto batch = events({"a.one", "a.two", "a.three"});
  const auto r = f.deliverer.deliver(batch);
  EXPECT_EQ(r.resolved, 3u);
  EXPECT_EQ(r.duplicates, 3u);
  EXPECT_EQ(f.server.events().size(), 3u);
  EXPECT_EQ(f.server.duplicates_answered(), 3u);
}

TEST(Deliverer, PermanentRefusalDropsOnlyTheBadEventsInOrder) {
  Fixture f;
  f.server.refuse_action("bad.event");
  const auto batch = events({"a.1", "a.2", "bad.event", "a.4", "a.5", "bad.event", "a.7"});
  const auto r = f.deliverer.deliver(batch);
  EXPECT_EQ(r.resolved, 7u);
  EXPECT_EQ(r.rejected, 2u);
  EXPECT_EQ(r.sent, 5u);
  EXPECT_EQ(r.retries, 0u);
  EXPECT_TRUE(f.waits.empty());
  EXPECT_EQ(actions_of(f.server.events()), (std::vector<std::string>{"a.1", "a.2", "a.4", "a.5", "a.7"}));
}

TEST(Deliverer, NeverRetriesAPermanentRefusal) {
  Fixture f;
  f.server.refuse_action("bad.event");
  const auto batch = events({"bad.event"});
  const auto r = f.deliverer.deliver(batch);
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(f.server.calls(), 1u);
}

TEST(Deliverer, StopsWhenTheWaiterGivesUpAndLeavesTheBatchToTheCaller) {
  Fixture f;
  f.keep_waiting = false;
  f.server.fail_next({grpc::StatusCode::UNAVAILABLE});
  const auto batch = events({"a.one", "a.two"});
  const auto r = f.deliverer.deliver(batch);
  EXPECT_EQ(r.resolved, 0u);
  EXPECT_EQ(r.sent, 0u);
  EXPECT_TRUE(f.server.events().empty());
}

TEST(Deliverer, StopInsideABisectionResolvesOnlyAPrefix) {
  Fixture f;
  f.keep_waiting = false;
  f.server.refuse_action("bad.event");
  // Calls: 1 whole batch (refused), 2 [a.1 bad] (refused), 3 [a.1] sent, 4 [bad] refused,
  // 5 [a.3 a.4] fails transiently and the waiter says stop.
  f.port.unavailable_at_ = {5};
  const auto batch = events({"a.1", "bad.event", "a.3", "a.4"});
  const auto r = f.deliverer.deliver(batch);
  EXPECT_EQ(r.resolved, 2u);
  EXPECT_EQ(r.sent, 1u);
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(actions_of(f.server.events()), (std::vector<std::string>{"a.1"}));
}

}  // namespace
}  // namespace bw::auditclient
