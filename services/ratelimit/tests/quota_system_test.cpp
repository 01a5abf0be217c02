// breakwater-ratelimit's Quota API for real (breakwater.ratelimit.v1), two service
// instances on one real redis-server: leases, one-time checks and lockouts stay exact under
// parallel callers, bad input gets INVALID_ARGUMENT with a reason, and without Redis the
// security paths refuse while open domains keep working.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "breakwater/ratelimit/v1/ratelimit.grpc.pb.h"
#include "bw/redis/connection.hpp"
#include "bw/testing/redis_server.hpp"
#include "rls_system_support.hpp"

namespace bw::testing {
namespace {

namespace v1 = ::breakwater::ratelimit::v1;
using envoy::service::ratelimit::v3::RateLimitResponse;

constexpr const char* kRules = R"(domain: relay
failure_mode: closed
descriptors:
  - key: device
    rate_limit: {unit: hour, requests_per_unit: 100}
  - key: tenant
    rate_limit: {unit: hour, requests_per_unit: 10, algorithm: gcra, burst: 20}
  - key: probe
    shadow_mode: true
    rate_limit: {unit: hour, requests_per_unit: 4}
---
domain: bulk
failure_mode: open
descriptors:
  - key: user
    rate_limit: {unit: hour, requests_per_unit: 1000}
)";

class Quota : public RlsSystemTest {
 protected:
  void SetUp() override {
    RlsSystemTest::SetUp();
    write_rules(kRules);
  }
  // On the suite's Redis (shared by every instance a test starts), or on `own`.
  Result<RunningService> start(RedisServer* own = nullptr) {
    const std::vector<std::string> env{"BREAKWATER_REDIS_POOL_SIZE=8", "BREAKWATER_RATELIMIT_LEASE_MAX_PERCENT=10",
                                       "BREAKWATER_RATELIMIT_LOCKOUT_ACCOUNT_THRESHOLD=10"};
    return own ? RlsSystemTest::start(own->port(), env) : start_on_suite_redis(env);
  }
  static std::unique_ptr<grpc::ClientContext> ctx() {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return c;
  }
  static v1::AcquireLeaseRequest lease_request(const std::string& domain, const std::string& key,
                                               const std::string& value, std::uint32_t n) {
    v1::AcquireLeaseRequest r;
    r.set_domain(domain);
    auto* e = r.mutable_rate_limit_descriptor()->add_entries();
    e->set_key(key);
    e->set_value(value);
    r.set_requested(n);
    r.set_holder("test");
    return r;
  }
  static v1::LockoutSubject account(const std::string& id) {
    v1::LockoutSubject s;
    s.set_kind(v1::LockoutSubject::ACCOUNT);
    s.set_tenant(std::string(16, 'T'));
    s.set_id(id);
    return s;
  }

  // Runs body(stub) on 8 threads for each of the two instances' channels.
  static void hammer(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                     const std::function<void(v1::Quota::Stub&)>& body) {
    std::vector<std::thread> threads;
    for (const auto& ch : channels) {
      for (int t = 0; t < 8; ++t) {
        threads.emplace_back([ch, &body] {
          auto stub = v1::Quota::NewStub(ch);
          body(*stub);
        });
      }
    }
    for (auto& t : threads) t.join();
  }
};

TEST_F(Quota, LeasesFromTwoInstancesHandOutExactlyTheLimit) {
  auto a = start();
  ASSERT_TRUE(a) << a.error().message;
  auto b = start();
  ASSERT_TRUE(b) << b.error().message;
  std::atomic<std::int64_t> granted{0};
  std::atomic<int> errors{0}, oversized{0};
  hammer({channel(a->grpc_port), channel(b->grpc_port)}, [&](v1::Quota::Stub& stub) {
    for (int i = 0; i < 10; ++i) {
      v1::AcquireLeaseResponse res;
      auto st = stub.AcquireLease(ctx().get(), lease_request("relay", "device", "exact", 50), &res);
      if (!st.ok()) { ++errors; continue; }
      if (res.granted() > 10) ++oversized;  // 10% of 100
      if (res.granted() > 0 && res.lease_id().size() != 16) ++errors;
      granted += res.granted();
    }
  });
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(oversized.load(), 0);
  EXPECT_EQ(granted.load(), 100);  // 160 asks for up to 10: not one token more than the limit

  // Leases and Envoy decisions draw on the same counter: nothing is left for either.
  auto rls = stub(a->grpc_port);
  envoy::service::ratelimit::v3::RateLimitRequest req;
  req.set_domain("relay");
  auto* e = req.add_descriptors()->add_entries();
  e->set_key("device");
  e->set_value("exact");
  RateLimitResponse res;
  ASSERT_TRUE(rls->ShouldRateLimit(ctx().get(), req, &res).ok());
  EXPECT_EQ(res.overall_code(), RateLimitResponse::OVER_LIMIT);

  auto stub = v1::Quota::NewStub(channel(b->grpc_port));
  v1::AcquireLeaseResponse none;
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "device", "exact", 1), &none).ok());
  EXPECT_EQ(none.granted(), 0u);
  EXPECT_TRUE(none.lease_id().empty());
  EXPECT_GT(none.retry_after().seconds() + none.retry_after().nanos(), 0);
  EXPECT_EQ(none.current_limit().requests_per_unit(), 100u);
}

TEST_F(Quota, GcraLeasesFromTwoInstancesHandOutExactlyTheBurst) {
  auto a = start();
  ASSERT_TRUE(a) << a.error().message;
  auto b = start();
  ASSERT_TRUE(b) << b.error().message;
  std::atomic<std::int64_t> granted{0};
  std::atomic<int> errors{0};
  hammer({channel(a->grpc_port), channel(b->grpc_port)}, [&](v1::Quota::Stub& stub) {
    for (int i = 0; i < 4; ++i) {
      v1::AcquireLeaseResponse res;
      auto st = stub.AcquireLease(ctx().get(), lease_request("relay", "tenant", "burst", 5), &res);
      if (!st.ok()) { ++errors; continue; }
      granted += res.granted();
    }
  });
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(granted.load(), 20);  // the burst; the next cell is minutes away
}

TEST_F(Quota, ReturnedTokensCanBeLeasedAgainOnce) {
  auto svc = start();
  ASSERT_TRUE(svc) << svc.error().message;
  auto stub = v1::Quota::NewStub(channel(svc->grpc_port));
  v1::AcquireLeaseResponse first;
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "device", "ret", 10), &first).ok());
  ASSERT_EQ(first.granted(), 10u);
  EXPECT_EQ(first.limit_remaining(), 90u);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  EXPECT_GT(first.valid_until().seconds(), std::chrono::duration_cast<std::chrono::seconds>(now).count());

  v1::ReturnLeaseRequest ret;
  ret.set_lease_id(first.lease_id());
  ret.set_domain("relay");
  *ret.mutable_rate_limit_descriptor() = lease_request("relay", "device", "ret", 1).rate_limit_descriptor();
  ret.set_unspent(4);
  v1::ReturnLeaseResponse credited;
  ASSERT_TRUE(stub->ReturnLease(ctx().get(), ret, &credited).ok());
  EXPECT_EQ(credited.credited(), 4u);
  ASSERT_TRUE(stub->ReturnLease(ctx().get(), ret, &credited).ok());
  EXPECT_EQ(credited.credited(), 0u);  // a lease is returned once

  v1::AcquireLeaseResponse second;
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "device", "ret", 10), &second).ok());
  EXPECT_EQ(second.limit_remaining(), 84u);  // 100 - 10 + 4 - 10
}

TEST_F(Quota, BatchedLeasesAreAnsweredItemByItemAsSingleCallsWouldBe) {
  auto svc = start();
  ASSERT_TRUE(svc) << svc.error().message;
  auto stub = v1::Quota::NewStub(channel(svc->grpc_port));
  v1::AcquireLeasesRequest req;
  req.set_holder("test");
  *req.add_leases() = lease_request("relay", "device", "batch-1", 10);
  *req.add_leases() = lease_request("relay", "unconfigured", "x", 7);  // no rule: unlimited
  auto bad = lease_request("relay", "device", "batch-2", 0);                // invalid: requested 0
  *req.add_leases() = bad;
  *req.add_leases() = lease_request("relay", "device", "batch-1", 10);  // the same descriptor again
  *req.add_leases() = lease_request("elsewhere", "device", "d", 1);     // invalid: unknown domain
  v1::AcquireLeasesResponse res;
  ASSERT_TRUE(stub->AcquireLeases(ctx().get(), req, &res).ok());
  ASSERT_EQ(res.leases_size(), 5);
  EXPECT_EQ(res.leases(0).lease().granted(), 10u);
  EXPECT_EQ(res.leases(0).lease().limit_remaining(), 90u);
  EXPECT_EQ(res.leases(0).lease().lease_id().size(), 16u);
  EXPECT_TRUE(res.leases(0).error().empty());
  EXPECT_EQ(res.leases(1).lease().granted(), 7u);
  EXPECT_FALSE(res.leases(1).lease().has_current_limit());
  EXPECT_NE(res.leases(2).error().find("requested"), std::string::npos) << res.leases(2).error();
  EXPECT_FALSE(res.leases(2).has_lease()) << "an invalid item carries no answer";
  EXPECT_EQ(res.leases(3).lease().granted(), 10u);
  EXPECT_EQ(res.leases(3).lease().limit_remaining(), 80u) << "items are counted in order, each once";
  EXPECT_NE(res.leases(3).lease().lease_id(), res.leases(0).lease().lease_id());
  EXPECT_NE(res.leases(4).error().find("unknown domain"), std::string::npos) << res.leases(4).error();

  // Returned in one call: each lease credited once, a bad id refused on its own.
  v1::ReturnLeasesRequest ret;
  for (int i : {0, 3, 0}) {
    auto* one = ret.add_leases();
    one->set_lease_id(res.leases(i).lease().lease_id());
    one->set_domain("relay");
    *one->mutable_rate_limit_descriptor() = lease_request("relay", "device", "batch-1", 1).rate_limit_descriptor();
    one->set_unspent(3);
  }
  ret.mutable_leases(2)->set_lease_id("short");
  v1::ReturnLeasesResponse credited;
  ASSERT_TRUE(stub->ReturnLeases(ctx().get(), ret, &credited).ok());
  ASSERT_EQ(credited.leases_size(), 3);
  EXPECT_EQ(credited.leases(0).credited(), 3u);
  EXPECT_EQ(credited.leases(1).credited(), 3u);
  EXPECT_EQ(credited.leases(2).credited(), 0u);
  EXPECT_FALSE(credited.leases(2).error().empty());
  EXPECT_FALSE(credited.leases(2).unavailable());
  v1::AcquireLeaseResponse after;
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "device", "batch-1", 1), &after).ok());
  EXPECT_EQ(after.limit_remaining(), 85u);  // 100 - 20 + 6 - 1

  // The call itself is bounded: none, or more than 64, is refused whole.
  v1::AcquireLeasesRequest empty;
  v1::AcquireLeasesResponse nothing;
  EXPECT_EQ(stub->AcquireLeases(ctx().get(), empty, &nothing).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::AcquireLeasesRequest many;
  for (int i = 0; i < 65; ++i) *many.add_leases() = lease_request("relay", "device", "many", 1);
  EXPECT_EQ(stub->AcquireLeases(ctx().get(), many, &nothing).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::AcquireLeaseResponse untouched;
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "device", "many", 1), &untouched).ok());
  EXPECT_EQ(untouched.limit_remaining(), 99u) << "a refused call counted nothing";
  v1::ReturnLeasesRequest no_returns;
  v1::ReturnLeasesResponse none_credited;
  EXPECT_EQ(stub->ReturnLeases(ctx().get(), no_returns, &none_credited).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(Quota, UnlimitedAndShadowDescriptorsAreGrantedWithoutLimit) {
  auto svc = start();
  ASSERT_TRUE(svc) << svc.error().message;
  auto stub = v1::Quota::NewStub(channel(svc->grpc_port));
  v1::AcquireLeaseResponse free;
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "unconfigured", "x", 500), &free).ok());
  EXPECT_EQ(free.granted(), 500u);
  EXPECT_TRUE(free.lease_id().empty());
  EXPECT_FALSE(free.has_current_limit());
  int shadow_granted = 0;
  for (int i = 0; i < 10; ++i) {  // 4 per hour, shadow: never refused
    v1::AcquireLeaseResponse res;
    ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "probe", "p", 1), &res).ok());
    shadow_granted += static_cast<int>(res.granted());
  }
  EXPECT_EQ(shadow_granted, 10);
}

TEST_F(Quota, OneTimeChecksAdmitExactlyOneFirstUse) {
  auto a = start();
  ASSERT_TRUE(a) << a.error().message;
  auto b = start();
  ASSERT_TRUE(b) << b.error().message;
  std::atomic<int> first{0}, dup{0}, errors{0};
  hammer({channel(a->grpc_port), channel(b->grpc_port)}, [&](v1::Quota::Stub& stub) {
    v1::CheckAndRecordRequest r;
    r.set_tenant(std::string(16, 'T'));
    r.set_scope("totp");
    r.set_id("sha256(user|123456)");
    r.mutable_ttl()->set_seconds(90);
    v1::CheckAndRecordResponse res;
    auto st = stub.CheckAndRecord(ctx().get(), r, &res);
    if (!st.ok()) { ++errors; return; }
    (res.result() == v1::CheckAndRecordResponse::FIRST_USE ? first : dup)++;
  });
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(first.load(), 1);
  EXPECT_EQ(dup.load(), 15);

  auto stub = v1::Quota::NewStub(channel(a->grpc_port));
  v1::CheckAndRecordRequest other;
  other.set_tenant(std::string(16, 'U'));  // another tenant's identical id is its own
  other.set_scope("totp");
  other.set_id("sha256(user|123456)");
  other.mutable_ttl()->set_seconds(90);
  v1::CheckAndRecordResponse res;
  ASSERT_TRUE(stub->CheckAndRecord(ctx().get(), other, &res).ok());
  EXPECT_EQ(res.result(), v1::CheckAndRecordResponse::FIRST_USE);
}

TEST_F(Quota, ParallelFailuresNeverPassTheLockoutThreshold) {
  auto a = start();
  ASSERT_TRUE(a) << a.error().message;
  auto b = start();
  ASSERT_TRUE(b) << b.error().message;
  std::atomic<int> recorded{0}, bans{0}, errors{0};
  hammer({channel(a->grpc_port), channel(b->grpc_port)}, [&](v1::Quota::Stub& stub) {
    for (int i = 0; i < 5; ++i) {
      v1::RecordFailureRequest r;
      *r.mutable_subject() = account("alice");
      r.set_domain("login");
      v1::LockoutStatus s;
      if (!stub.RecordFailure(ctx().get(), r, &s).ok()) { ++errors; continue; }
      if (s.recorded()) ++recorded;
      if (s.recorded() && s.locked()) ++bans;
    }
  });
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(recorded.load(), 10);  // 80 parallel attempts: exactly the threshold verified
  EXPECT_EQ(bans.load(), 1);

  auto stub = v1::Quota::NewStub(channel(a->grpc_port));
  v1::CheckLockoutRequest check;
  *check.mutable_subject() = account("alice");
  check.set_domain("login");
  v1::LockoutStatus state;
  ASSERT_TRUE(stub->CheckLockout(ctx().get(), check, &state).ok());
  EXPECT_TRUE(state.locked());
  EXPECT_GT(state.retry_after().seconds(), 14 * 60);  // the 15-minute default ban
  EXPECT_EQ(state.failures(), 10u);

  *check.mutable_subject() = account("bob");  // another account is not affected
  ASSERT_TRUE(stub->CheckLockout(ctx().get(), check, &state).ok());
  EXPECT_FALSE(state.locked());

  v1::ClearFailuresRequest clear;
  *clear.mutable_subject() = account("alice");
  clear.set_domain("login");
  v1::ClearFailuresResponse cleared;
  ASSERT_TRUE(stub->ClearFailures(ctx().get(), clear, &cleared).ok());
  *check.mutable_subject() = account("alice");
  ASSERT_TRUE(stub->CheckLockout(ctx().get(), check, &state).ok());
  EXPECT_FALSE(state.locked());
  EXPECT_EQ(state.failures(), 0u);
}

TEST_F(Quota, BadRequestsGetInvalidArgumentWithAReason) {
  auto svc = start();
  ASSERT_TRUE(svc) << svc.error().message;
  auto stub = v1::Quota::NewStub(channel(svc->grpc_port));
  const auto expect_invalid = [](const grpc::Status& st, const std::string& reason) {
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << reason;
    EXPECT_NE(st.error_message().find(reason), std::string::npos) << st.error_message();
  };
  v1::AcquireLeaseResponse lease;
  expect_invalid(stub->AcquireLease(ctx().get(), lease_request("nope", "device", "d", 1), &lease), "unknown domain");
  expect_invalid(stub->AcquireLease(ctx().get(), lease_request("relay", "device", "d", 0), &lease),
                 "requested must be at least 1");
  expect_invalid(stub->AcquireLease(ctx().get(), lease_request("relay", "", "d", 1), &lease), "key is empty");
  auto huge = lease_request("relay", "device", std::string(100'000, 'v'), 1);
  expect_invalid(stub->AcquireLease(ctx().get(), huge, &lease), "value is longer than");
  v1::AcquireLeaseRequest empty;
  empty.set_domain("relay");
  empty.set_requested(1);
  expect_invalid(stub->AcquireLease(ctx().get(), empty, &lease), "has no entries");

  v1::ReturnLeaseRequest ret;
  ret.set_lease_id("short");
  ret.set_domain("relay");
  v1::ReturnLeaseResponse credited;
  expect_invalid(stub->ReturnLease(ctx().get(), ret, &credited), "lease_id must be 16 bytes");

  v1::CheckAndRecordRequest once;
  once.set_scope("TOTP");
  once.set_id("x");
  once.mutable_ttl()->set_seconds(90);
  v1::CheckAndRecordResponse first;
  expect_invalid(stub->CheckAndRecord(ctx().get(), once, &first), "scope may only hold");
  once.set_scope("totp");
  once.mutable_ttl()->set_seconds(0);
  expect_invalid(stub->CheckAndRecord(ctx().get(), once, &first), "ttl must be between");
  once.mutable_ttl()->set_seconds(90);
  once.set_tenant("123");
  expect_invalid(stub->CheckAndRecord(ctx().get(), once, &first), "tenant must be empty or 16 bytes");

  v1::RecordFailureRequest fail;
  fail.mutable_subject()->set_id("alice");
  fail.set_domain("login");
  v1::LockoutStatus state;
  expect_invalid(stub->RecordFailure(ctx().get(), fail, &state), "subject.kind is not set");
  *fail.mutable_subject() = account(std::string(65, 'a'));
  expect_invalid(stub->RecordFailure(ctx().get(), fail, &state), "subject.id must have");
}

TEST_F(Quota, AnErrorReplyToABatchIsRedisTroubleForEveryItemAndTheBreaker) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis) << redis.error().message;
  auto svc = start(&redis.value());
  ASSERT_TRUE(svc) << svc.error().message;
  auto stub = v1::Quota::NewStub(channel(svc->grpc_port));
  v1::AcquireLeaseResponse first;  // scripts loaded, counters in place
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "device", "oom", 5), &first).ok());
  ASSERT_EQ(first.granted(), 5u);
  // Redis answers, but refuses every counting script (OOM): as a failover's READONLY would.
  redis::ConnectionOptions ro;
  ro.host = redis->host();
  ro.port = redis->port();
  ro.password = redis->password();
  redis::Connection admin(ro);
  ASSERT_TRUE(admin.command({"CONFIG", "SET", "maxmemory", "1"}, redis::Idempotent::kYes));
  v1::AcquireLeasesRequest batch;
  *batch.add_leases() = lease_request("relay", "device", "oom", 5);
  *batch.add_leases() = lease_request("bulk", "user", "oom", 5);
  v1::AcquireLeasesResponse answers;
  ASSERT_TRUE(stub->AcquireLeases(ctx().get(), batch, &answers).ok());
  ASSERT_EQ(answers.leases_size(), 2);
  EXPECT_EQ(answers.leases(0).lease().granted(), 0u) << "fail-closed domain";
  EXPECT_GT(answers.leases(0).lease().retry_after().seconds(), 0);
  EXPECT_EQ(answers.leases(1).lease().granted(), 5u) << "fail-open domain, uncounted";
  EXPECT_TRUE(answers.leases(1).lease().lease_id().empty());
  // The breaker counted it: the next call is answered without trying Redis.
  v1::AcquireLeaseResponse next;
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "device", "oom", 5), &next).ok());
  EXPECT_EQ(next.granted(), 0u);
  EXPECT_GE(metric(*svc, "breakwater_ratelimit_quota_redis_short_circuits_total"), 1.0);
}

TEST_F(Quota, WithoutRedisSecurityPathsRefuseAndOpenDomainsGrant) {
  auto redis = RedisServer::start();
  ASSERT_TRUE(redis) << redis.error().message;
  auto svc = start(&redis.value());
  ASSERT_TRUE(svc) << svc.error().message;
  auto stub = v1::Quota::NewStub(channel(svc->grpc_port));
  redis->kill();

  v1::CheckAndRecordRequest once;
  once.set_scope("pairing");
  once.set_id("code-digest");
  once.mutable_ttl()->set_seconds(300);
  v1::CheckAndRecordResponse first;
  EXPECT_EQ(stub->CheckAndRecord(ctx().get(), once, &first).error_code(), grpc::StatusCode::UNAVAILABLE);
  v1::RecordFailureRequest fail;
  *fail.mutable_subject() = account("carol");
  fail.set_domain("login");
  v1::LockoutStatus state;
  EXPECT_EQ(stub->RecordFailure(ctx().get(), fail, &state).error_code(), grpc::StatusCode::UNAVAILABLE);
  v1::CheckLockoutRequest check;
  *check.mutable_subject() = account("carol");
  check.set_domain("login");
  EXPECT_EQ(stub->CheckLockout(ctx().get(), check, &state).error_code(), grpc::StatusCode::UNAVAILABLE);
  // Right after a failure the breaker answers without trying Redis (no connect wait).
  EXPECT_EQ(stub->CheckLockout(ctx().get(), check, &state).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_GE(metric(*svc, "breakwater_ratelimit_quota_redis_short_circuits_total"), 1.0);

  v1::AcquireLeaseResponse closed;
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "device", "d", 5), &closed).ok());
  EXPECT_EQ(closed.granted(), 0u);  // fail-closed domain
  v1::AcquireLeaseResponse open;
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("bulk", "user", "u", 5), &open).ok());
  EXPECT_EQ(open.granted(), 5u);  // fail-open domain, not counted: nothing to return
  EXPECT_TRUE(open.lease_id().empty());
  // A batch (one Redis round trip for all its items) answers each item the same way; an
  // invalid item is still refused on its own.
  v1::AcquireLeasesRequest batch;
  *batch.add_leases() = lease_request("relay", "device", "d", 5);
  *batch.add_leases() = lease_request("relay", "device", "d", 0);
  *batch.add_leases() = lease_request("bulk", "user", "u", 5);
  v1::AcquireLeasesResponse answers;
  ASSERT_TRUE(stub->AcquireLeases(ctx().get(), batch, &answers).ok());
  ASSERT_EQ(answers.leases_size(), 3);
  EXPECT_EQ(answers.leases(0).lease().granted(), 0u);
  EXPECT_GT(answers.leases(0).lease().retry_after().seconds(), 0);
  EXPECT_FALSE(answers.leases(1).error().empty());
  EXPECT_EQ(answers.leases(2).lease().granted(), 5u);
  EXPECT_TRUE(answers.leases(2).lease().lease_id().empty());

  ASSERT_TRUE(redis->restart());
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {
    recovered = stub->CheckAndRecord(ctx().get(), once, &first).ok();
    if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(recovered);
  EXPECT_EQ(first.result(), v1::CheckAndRecordResponse::FIRST_USE);
  v1::AcquireLeaseResponse back;
  ASSERT_TRUE(stub->AcquireLease(ctx().get(), lease_request("relay", "device", "d", 5), &back).ok());
  EXPECT_EQ(back.granted(), 5u);
}

}  // namespace
}  // namespace bw::testing
