#include "bw/auditclient/audit_client.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include "fake_audit_server.hpp"

namespace bw::auditclient {
namespace {

using testing::FakeAuditServer;
using std::chrono::milliseconds;

const Id kTenant{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

// A client talking real gRPC to an in-process fake Audit service. Backoff is 1–4 ms and
// jitter returns the cap, so retries cost milliseconds.
struct Harness {
  explicit Harness(ClientOptions o = {}) : options(std::move(o)) {
    options.producer = "test";
    options.retry = {milliseconds(1), milliseconds(4)};
  }
  AuditClient& start() {
    auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
    client = std::make_unique<AuditClient>(options, make_grpc_port(channel, milliseconds(2000)), metrics,
                                           [](milliseconds cap) { return cap; });
    return *client;
  }
  double dropped(DropReason r) { return metrics.dropped(r).Value(); }

  FakeAuditServer server;
  metrics::Factory factory{"test", "0"};
  ProducerMetrics metrics{factory};
  ClientOptions options;
  std::unique_ptr<AuditClient> client;
};

Event event(int n) {
  return EventBuilder("test.event." + std::to_string(n), kTenant).anonymous().result(Outcome::kSuccess).build();
}

std::vector<std::string> actions(const std::vector<pb::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.action());
  return out;
}

std::vector<std::string> expected(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("test.event." + std::to_string(i));
  return out;
}

TEST(AuditClient, SendsFullBatchesInOrder) {
  Harness h({.batch_size = 10, .flush_interval = milliseconds(20)});
  auto& c = h.start();
  for (int i = 0; i < 25; ++i) EXPECT_TRUE(c.submit(event(i)));
  const auto report = c.stop();
  EXPECT_EQ(actions(h.server.events()), expected(25));
  EXPECT_EQ(h.server.calls(), 3u);
  EXPECT_EQ(report.left, 0u);
  EXPECT_EQ(h.metrics.queued.Value(), 25);
  EXPECT_EQ(h.metrics.sent.Value(), 25);
  EXPECT_EQ(h.metrics.queue_depth.Value(), 0);
  EXPECT_GT(h.metrics.last_success.Value(), 0);
}

TEST(AuditClient, SendsAPartialBatchAfterTheFlushInterval) {
  Harness h({.batch_size = 100, .flush_interval = milliseconds(10)});
  auto& c = h.start();
  c.submit(event(0));
  for (int i = 0; i < 500 && h.server.events().empty(); ++i) std::this_thread::sleep_for(milliseconds(2));
  EXPECT_EQ(h.server.events().size(), 1u);
}

TEST(AuditClient, RetriesTransientFailuresWithoutLosingOrDuplicating) {
  Harness h({.batch_size = 8, .flush_interval = milliseconds(5)});
  h.server.fail_next({grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
                      grpc::StatusCode::RESOURCE_EXHAUSTED});
  h.server.lose_next_answer();  // after the failures: committed, answer lost, resent
  auto& c = h.start();
  for (int i = 0; i < 30; ++i) c.submit(event(i));
  c.stop();
  EXPECT_EQ(actions(h.server.events()), expected(30));
  EXPECT_EQ(h.metrics.retries.Value(), 4);
  EXPECT_EQ(h.metrics.sent.Value(), 30);
  EXPECT_EQ(h.metrics.duplicates.Value(), static_cast<double>(h.server.duplicates_answered()));
  EXPECT_GT(h.server.duplicates_answered(), 0u);
  EXPECT_EQ(h.metrics.rpc_failure("UNAVAILABLE").Value(), 2);
}

TEST(AuditClient, FullBufferDropsAndCountsWithoutBlocking) {
  Harness h({.capacity = 4, .batch_size = 2, .flush_interval = milliseconds(1)});
  h.server.fail_next(std::vector<grpc::StatusCode>(100'000, grpc::StatusCode::UNAVAILABLE));
  auto& c = h.start();
  const auto start = std::chrono::steady_clock::now();
  int accepted = 0;
  for (int i = 0; i < 1000; ++i) accepted += c.submit(event(i)) ? 1 : 0;
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, milliseconds(500));  // 1000 submits while the service is down
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(h.dropped(DropReason::kBufferFull), 996);
  h.server.clear_failures();
  c.stop();
  EXPECT_EQ(actions(h.server.events()), expected(4));
  EXPECT_EQ(h.metrics.sent.Value(), 4);
}

TEST(AuditClient, PermanentRejectionIsCountedAndTheRestDelivered) {
  Harness h({.batch_size = 10});
  h.server.refuse_action("test.event.1");
  auto& c = h.start();
  for (int i = 0; i < 3; ++i) c.submit(event(i));
  c.stop();
  EXPECT_EQ(actions(h.server.events()), (std::vector<std::string>{"test.event.0", "test.event.2"}));
  EXPECT_EQ(h.dropped(DropReason::kRejected), 1);
  EXPECT_GE(h.metrics.rpc_failure("INVALID_ARGUMENT").Value(), 1);  // every refused call counts
}

TEST(AuditClient, InvalidEventIsDroppedAtSubmit) {
  Harness h;
  auto& c = h.start();
  EXPECT_FALSE(c.submit(EventBuilder("Not An Action", kTenant).build()));
  EXPECT_EQ(h.dropped(DropReason::kInvalid), 1);
  EXPECT_EQ(h.metrics.queued.Value(), 0);
}

TEST(AuditClient, StopFlushesAPartialBatchAtOnce) {
  Harness h({.batch_size = 100, .flush_interval = milliseconds(60'000)});
  auto& c = h.start();
  for (int i = 0; i < 7; ++i) c.submit(event(i));
  const auto report = c.stop();
  EXPECT_EQ(actions(h.server.events()), expected(7));
  EXPECT_EQ(report.flushed, 7u);
  EXPECT_EQ(report.left, 0u);
}

TEST(AuditClient, StopCountsWhatItCouldNotDeliverBeforeTheDeadline) {
  Harness h({.batch_size = 100, .flush_interval = milliseconds(60'000), .shutdown_timeout = milliseconds(30)});
  h.server.fail_next(std::vector<grpc::StatusCode>(100'000, grpc::StatusCode::UNAVAILABLE));
  auto& c = h.start();
  for (int i = 0; i < 5; ++i) c.submit(event(i));
  const auto report = c.stop();
  EXPECT_EQ(report.left, 5u);
  EXPECT_EQ(h.dropped(DropReason::kShutdown), 5);
  EXPECT_EQ(h.metrics.queue_depth.Value(), 0);
  EXPECT_FALSE(c.submit(event(5)));
  EXPECT_EQ(h.dropped(DropReason::kShutdown), 6);
  EXPECT_EQ(c.stop().left, 5u);  // idempotent
}

}  // namespace
}  // namespace bw::auditclient
