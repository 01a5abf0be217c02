#include "relay_audit.hpp"

#include <gtest/gtest.h>

#include <mutex>

namespace bw::relay {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

Identity alice() {
  Identity id;
  id.tenant = std::string(16, 't');
  id.user = std::string(16, 'u');
  id.device = std::string(16, 'd');
  return id;
}

std::string attr(const auditclient::Event& e, std::string_view key) {
  for (const auto& [k, v] : e.attributes) {
    if (k == key) return v;
  }
  return "<absent>";
}

// Records every Append, answers OK.
class RecordingPort final : public auditclient::AppendPort {
 public:
  explicit RecordingPort(std::vector<auditclient::pb::Event>& out, std::mutex& mu) : out_(out), mu_(mu) {}
  grpc::Status append(const auditclient::pb::AppendRequest& r, auditclient::pb::AppendResponse*) override {
    std::lock_guard lock(mu_);
    out_.insert(out_.end(), r.events().begin(), r.events().end());
    return grpc::Status::OK;
  }

 private:
  std::vector<auditclient::pb::Event>& out_;
  std::mutex& mu_;
};

struct Harness {
  Harness() {
    auditclient::ClientOptions o;
    o.producer = "relay";
    producer = std::make_shared<auditclient::Producer>(factory, o, std::make_unique<RecordingPort>(sent, mu));
  }
  std::vector<auditclient::pb::Event> flush() {
    producer->stop();
    return sent;
  }
  metrics::Factory factory{"relay", "0"};
  std::mutex mu;
  std::vector<auditclient::pb::Event> sent;
  std::shared_ptr<auditclient::Producer> producer;
};

TEST(EventThrottle, FoldsRepeatsWithinTheWindowAndReportsTheCountNext) {
  EventThrottle t(milliseconds(1000));
  const auto t0 = Clock::now();
  EXPECT_EQ(t.admit("k", t0), 1u);
  EXPECT_EQ(t.admit("k", t0 + milliseconds(10)), 0u);
  EXPECT_EQ(t.admit("k", t0 + milliseconds(20)), 0u);
  EXPECT_EQ(t.admit("other", t0 + milliseconds(30)), 1u);
  EXPECT_EQ(t.admit("k", t0 + milliseconds(1001)), 3u);  // this one and the two folded
}

TEST(EventThrottle, TakeFoldedReturnsWhatWasNeverReported) {
  EventThrottle t(milliseconds(1000));
  const auto t0 = Clock::now();
  t.admit("a", t0);
  t.admit("a", t0);
  t.admit("b", t0);
  const auto folded = t.take_folded();
  ASSERT_EQ(folded.size(), 1u);
  EXPECT_EQ(folded.at("a"), 1u);
  EXPECT_TRUE(t.take_folded().empty());
}

TEST(RelayAuditEvents, OnlySenderCausedRefusalsAreAudited) {
  EXPECT_TRUE(is_audited_refusal("replayed_nonce"));
  EXPECT_TRUE(is_audited_refusal("cross_tenant"));
  EXPECT_TRUE(is_audited_refusal("rate_limited"));
  EXPECT_FALSE(is_audited_refusal("unavailable"));
  EXPECT_FALSE(is_audited_refusal("going_away"));
  EXPECT_FALSE(is_audited_refusal("mailbox_full"));
}

TEST(RelayAuditEvents, EnvelopeRejectionNamesTheDeviceTenantAndReasonOnly) {
  const auto e = envelope_rejected_event(alice(), "clock_skew", 4);
  EXPECT_EQ(e.action, "relay.envelope.rejected");
  auditclient::Id tenant;
  tenant.fill('t');
  EXPECT_EQ(e.tenant, tenant);
  EXPECT_EQ(e.actor_kind, auditclient::ActorKind::kDevice);
  EXPECT_EQ(e.actor_id, std::string(16, 'd'));
  EXPECT_EQ(e.result, auditclient::Outcome::kDenied);
  EXPECT_EQ(attr(e, "reason"), "clock_skew");
  EXPECT_EQ(attr(e, "count"), "4");
  EXPECT_EQ(e.attributes.size(), 2u);
  EXPECT_EQ(auditclient::check_event(e), "");
}

TEST(RelayAuditEvents, AuthFailuresGoToTheOperatorsTenantAnonymously) {
  const auto e = auth_failed_event("websocket", 1);
  EXPECT_EQ(e.action, "relay.connection.auth_failed");
  EXPECT_EQ(e.tenant, auditclient::kOperatorsTenant);
  EXPECT_EQ(e.actor_kind, auditclient::ActorKind::kAnonymous);
  EXPECT_EQ(attr(e, "transport"), "websocket");
  EXPECT_EQ(auditclient::check_event(e), "");
}

TEST(RelayAuditEvents, AnUnidentifiedSenderFallsBackToTheOperatorsTenant) {
  const auto e = slow_reader_event(Identity{}, "grpc");
  EXPECT_EQ(e.tenant, auditclient::kOperatorsTenant);
  EXPECT_EQ(e.actor_kind, auditclient::ActorKind::kAnonymous);
  EXPECT_EQ(auditclient::check_event(e), "");
}

TEST(RelayAudit, RepeatedRefusalsOfOneConnectionBecomeOneEventPlusTheFoldedCountAtClose) {
  Harness h;
  RelayAudit audit(h.producer);
  EventThrottle conn(kAuditWindow);
  for (int i = 0; i < 50; ++i) audit.envelope_refused(conn, alice(), "replayed_nonce", false);
  audit.envelope_refused(conn, alice(), "rate_limited", true);
  audit.envelope_refused(conn, alice(), "unavailable", false);  // not audited
  audit.connection_closed(conn, alice());
  const auto sent = h.flush();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].action(), "relay.envelope.rejected");
  EXPECT_EQ(sent[0].attributes().at("count"), "1");
  EXPECT_EQ(sent[1].action(), "relay.sender.rate_limited");
  EXPECT_EQ(sent[2].action(), "relay.envelope.rejected");
  EXPECT_EQ(sent[2].attributes().at("count"), "49");
  EXPECT_EQ(sent[2].producer(), "relay");
}

TEST(RelayAudit, AuthFailuresAreThrottledRelayWide) {
  Harness h;
  RelayAudit audit(h.producer);
  for (int i = 0; i < 100; ++i) audit.auth_failed("grpc");
  EXPECT_EQ(h.flush().size(), 1u);
}

TEST(RelayAudit, ANullProducerIsANoOp) {
  RelayAudit audit(nullptr);
  EventThrottle conn(kAuditWindow);
  audit.envelope_refused(conn, alice(), "replayed_nonce", false);
  audit.auth_failed("grpc");
  audit.slow_reader(alice(), "grpc");
}

}  // namespace
}  // namespace bw::relay
