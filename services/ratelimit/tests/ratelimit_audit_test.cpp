#include "ratelimit_audit.hpp"

#include <gtest/gtest.h>

#include <mutex>

namespace bw::ratelimit {
namespace {

using std::chrono::milliseconds;

std::string attr(const auditclient::Event& e, std::string_view key) {
  for (const auto& [k, v] : e.attributes) {
    if (k == key) return v;
  }
  return "<absent>";
}

class RecordingPort final : public auditclient::AppendPort {
 public:
  RecordingPort(std::vector<auditclient::pb::Event>& out, std::mutex& mu) : out_(out), mu_(mu) {}
  grpc::Status append(const auditclient::pb::AppendRequest& r, auditclient::pb::AppendResponse*) override {
    std::lock_guard lock(mu_);
    out_.insert(out_.end(), r.events().begin(), r.events().end());
    return grpc::Status::OK;
  }

 private:
  std::vector<auditclient::pb::Event>& out_;
  std::mutex& mu_;
};

// A producer recording what it sends, and a clock the test moves.
struct Harness {
  Harness() {
    auditclient::ClientOptions o;
    o.producer = "ratelimit";
    producer = std::make_shared<auditclient::Producer>(factory, o, std::make_unique<RecordingPort>(sent, mu));
    audit = std::make_unique<RatelimitAudit>(producer, [this] { return now; });
  }
  std::vector<auditclient::pb::Event> flush() {
    producer->stop();
    return sent;
  }
  metrics::Factory factory{"ratelimit", "0"};
  std::mutex mu;
  std::vector<auditclient::pb::Event> sent;
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
  std::shared_ptr<auditclient::Producer> producer;
  std::unique_ptr<RatelimitAudit> audit;
};

TEST(RatelimitAuditEvents, AccountLockoutInItsTenant) {
  const std::string tenant(16, 't'), account(32, 'h');
  const auto e = lockout_started_event(LockoutSubjectKind::kAccount, tenant, account, milliseconds(900'000));
  EXPECT_EQ(e.action, "ratelimit.lockout.started");
  EXPECT_EQ(e.tenant[0], 't');
  EXPECT_EQ(e.target_type, "account");
  EXPECT_EQ(e.target_id, account);
  EXPECT_EQ(e.result, auditclient::Outcome::kDenied);
  EXPECT_EQ(attr(e, "ban_seconds"), "900");
  EXPECT_EQ(attr(e, "subject"), "account");
  EXPECT_EQ(auditclient::check_event(e), "");
}

TEST(RatelimitAuditEvents, GlobalAddressLockoutGoesToTheOperatorsLog) {
  const std::string address(16, '\x01');
  const auto e = lockout_started_event(LockoutSubjectKind::kAddress, "", address, milliseconds(86'400'000));
  EXPECT_EQ(e.tenant, auditclient::kOperatorsTenant);
  EXPECT_EQ(e.target_type, "address");
  EXPECT_EQ(e.target_id, address);
  EXPECT_EQ(auditclient::check_event(e), "");
}

TEST(RatelimitAuditEvents, OverLimitNeverCopiesDescriptorValues) {
  const auto e = over_limit_event("login", "per_address", "bw:{login}:remote_address=192.0.2.1");
  EXPECT_EQ(e.action, "ratelimit.over_limit");
  EXPECT_EQ(e.target_type, "descriptor");
  EXPECT_EQ(e.target_id.size(), 16u);
  EXPECT_EQ(e.target_id.find("192.0.2.1"), std::string::npos);
  EXPECT_EQ(attr(e, "domain"), "login");
  EXPECT_EQ(attr(e, "rule"), "per_address");
  EXPECT_EQ(auditclient::check_event(e), "");
}

TEST(RatelimitAudit, OverLimitIsReportedOncePerKeyAndWindowAndOnlyForSecurityDomains) {
  Harness h;
  for (int i = 0; i < 100; ++i) h.audit->over_limit("login", "r", "key-a", milliseconds(60'000));
  h.audit->over_limit("login", "r", "key-b", milliseconds(60'000));
  h.audit->over_limit("relay", "r", "key-c", milliseconds(60'000));  // not a security domain
  h.now += milliseconds(60'001);
  h.audit->over_limit("login", "r", "key-a", milliseconds(60'000));  // a new window: a new ban
  EXPECT_EQ(h.flush().size(), 3u);
}

TEST(RatelimitAudit, LockoutStartedIsSent) {
  Harness h;
  h.audit->lockout_started(LockoutSubjectKind::kAddress, "", std::string(16, '\x02'), milliseconds(1000));
  const auto sent = h.flush();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].producer(), "ratelimit");
}

TEST(RatelimitAudit, ANullProducerIsANoOp) {
  RatelimitAudit audit(nullptr);
  audit.over_limit("login", "r", "k", milliseconds(1000));
  audit.lockout_started(LockoutSubjectKind::kAccount, "", "x", milliseconds(1000));
}

}  // namespace
}  // namespace bw::ratelimit
