#include "ops/audit_shipper.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include "bw/auditclient/to_proto.hpp"
#include "bw/testing/temp_dir.hpp"
#include "ops/audit_mapping.hpp"
#include "fake_audit_server.hpp"

namespace bw::auth::ops {
namespace {

using auditclient::testing::FakeAuditServer;
using std::chrono::milliseconds;

constexpr store::TimeMs kT0 = 1'700'000'000'000;

// A migrated SQLite store, an in-process fake Audit service over real gRPC, 1–4 ms backoff.
struct Harness {
  Harness() {
    auto dir = testing::TempDir::create("bw-auth-shipper-");
    dir_ = std::make_unique<testing::TempDir>(std::move(dir.value()));
    auto opened = store::open_store({.database_url = "", .sqlite_path = (dir_->path() / "s.db").string()}, kT0);
    store = std::move(opened.value());
  }
  AuditShipper& shipper(std::size_t batch_size = 3) {
    auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
    shipper_ = std::make_unique<AuditShipper>(
        store, auditclient::make_grpc_port(channel, milliseconds(2000)), metrics,
        ShipperOptions{batch_size, milliseconds(60'000), {milliseconds(1), milliseconds(4)}, milliseconds(200)},
        [](milliseconds cap) { return cap; });
    return *shipper_;
  }
  void append(int n) {
    for (int i = 0; i < n; ++i) {
      const std::string payload = R"({"user_id":null,"address":"192.0.2.)" + std::to_string(i) + R"("})";
      ASSERT_TRUE(*store->append_audit_event(store::Id{1}, "login_failed", as_bytes(payload), kT0 + i, 1000));
    }
  }
  std::size_t outbox() { return store->peek_audit_events(10'000)->size(); }

  std::unique_ptr<testing::TempDir> dir_;
  std::shared_ptr<store::Store> store;
  FakeAuditServer server;
  metrics::Factory factory{"auth", "0"};
  auditclient::ProducerMetrics metrics{factory};
  std::unique_ptr<AuditShipper> shipper_;
};

TEST(AuditShipper, ShipsTheOutboxInOrderAndDeletesWhatWasAcknowledged) {
  Harness h;
  h.append(7);
  EXPECT_EQ(h.shipper(3).ship_once(), 7u);
  EXPECT_EQ(h.outbox(), 0u);
  const auto events = h.server.events();
  ASSERT_EQ(events.size(), 7u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].action(), "auth.login");
    EXPECT_EQ(events[i].producer(), "auth");
    EXPECT_EQ(static_cast<unsigned char>(events[i].source_address()[15]), i);
  }
  EXPECT_EQ(h.server.calls(), 3u);
  EXPECT_EQ(h.metrics.sent.Value(), 7);
}

TEST(AuditShipper, RetriesTransientFailuresAndNeverDuplicates) {
  Harness h;
  h.append(4);
  h.server.fail_next({grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED});
  h.server.lose_next_answer();
  EXPECT_EQ(h.shipper(10).ship_once(), 4u);
  EXPECT_EQ(h.server.events().size(), 4u);
  EXPECT_EQ(h.server.duplicates_answered(), 4u);  // the resend after the lost answer
  EXPECT_EQ(h.metrics.retries.Value(), 3);
  EXPECT_EQ(h.outbox(), 0u);
}

TEST(AuditShipper, TwoReplicasShippingTheSameRowsAppendEachOnce) {
  Harness h;
  h.append(5);
  auto channel = grpc::CreateChannel(h.server.address(), grpc::InsecureChannelCredentials());
  // Replica B sends the same rows first but "crashes" before deleting them.
  auto port = auditclient::make_grpc_port(channel, milliseconds(2000));
  auditclient::Deliverer b(*port, {}, [](milliseconds) { return true; }, [](milliseconds) { return milliseconds(0); });
  std::vector<auditclient::pb::Event> batch;
  const auto rows = h.store->peek_audit_events(10);
  for (const auto& r : *rows) batch.push_back(auditclient::to_proto(outbox_event(r), "auth"));
  ASSERT_EQ(b.deliver(batch).sent, 5u);
  EXPECT_EQ(h.shipper(10).ship_once(), 5u);
  EXPECT_EQ(h.server.events().size(), 5u);
  EXPECT_EQ(h.server.duplicates_answered(), 5u);
  EXPECT_EQ(h.outbox(), 0u);
}

TEST(AuditShipper, RefusedEventsAreDroppedCountedAndTheRestShipped) {
  Harness h;
  h.append(2);
  ASSERT_TRUE(*h.store->append_audit_event(store::Id{1}, "weird kind!", as_bytes("{}"), kT0, 1000));
  h.append(1);
  h.server.refuse_action("auth.weird kind!");
  EXPECT_EQ(h.shipper(10).ship_once(), 4u);
  EXPECT_EQ(h.server.events().size(), 3u);
  EXPECT_EQ(h.metrics.dropped(auditclient::DropReason::kRejected).Value(), 1);
  EXPECT_EQ(h.outbox(), 0u);
}

TEST(AuditShipper, StopKeepsUnsentRowsInTheOutbox) {
  Harness h;
  h.append(3);
  h.server.fail_next(std::vector<grpc::StatusCode>(100'000, grpc::StatusCode::UNAVAILABLE));
  auto& s = h.shipper(10);
  s.start();
  s.stop();  // drains for at most 200 ms, fails, keeps the rows
  EXPECT_EQ(h.outbox(), 3u);
  EXPECT_TRUE(h.server.events().empty());
  EXPECT_EQ(h.metrics.dropped(auditclient::DropReason::kShutdown).Value(), 0);
}

TEST(AuditShipper, StopShipsWhatIsWaiting) {
  Harness h;
  h.append(3);
  auto& s = h.shipper(10);
  s.start();  // first periodic run only after a minute
  s.stop();
  EXPECT_EQ(h.outbox(), 0u);
  EXPECT_EQ(h.server.events().size(), 3u);
}

}  // namespace
}  // namespace bw::auth::ops
