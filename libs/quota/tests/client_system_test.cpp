// QuotaClient against the real breakwater-ratelimit (two instances, one real Redis): many
// threads in two clients spend exactly the limit, unspent tokens go back, a spent limit is
// not asked again and again, and without the service the client fails closed unless told
// otherwise.
#include "bw/quota/client.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "breakwater/ratelimit/v1/ratelimit.grpc.pb.h"
#include "bw/testing/ports.hpp"
#include "rls_system_support.hpp"  // services/ratelimit/tests: the shared breakwater-ratelimit fixture

namespace bw::testing {
namespace {

using quota::Descriptor;
using quota::QuotaClient;
namespace v1 = ::breakwater::ratelimit::v1;

constexpr const char* kRules = R"(domain: relay
failure_mode: closed
descriptors:
  - key: device
    rate_limit: {unit: hour, requests_per_unit: 100}
)";

class QuotaClientTest : public RlsSystemTest {
 protected:
  void SetUp() override {
    RlsSystemTest::SetUp();
    write_rules(kRules);
  }
  Result<RunningService> start() const { return start_on_suite_redis({"BREAKWATER_REDIS_POOL_SIZE=8"}); }
  static QuotaClient::Options options(std::int64_t lease_size = 10) {
    QuotaClient::Options o;
    o.holder = "test";
    o.lease_size = lease_size;
    return o;
  }
  // For the borrowing tests: leases valid 1 s, and a client that borrows.
  Result<RunningService> start_with_short_leases() const {
    return start_on_suite_redis({"BREAKWATER_REDIS_POOL_SIZE=8", "BREAKWATER_RATELIMIT_LEASE_TTL=1s"});
  }
  static QuotaClient::Options borrowing() {
    QuotaClient::Options o = options(10);
    o.borrow_when_idle = true;
    return o;
  }
};

const Descriptor kDevice{"relay", {{"device", "d-1"}}};

TEST_F(QuotaClientTest, TwoClientsAndSixteenThreadsSpendExactlyTheLimit) {
  auto a = start();
  ASSERT_TRUE(a) << a.error().message;
  auto b = start();
  ASSERT_TRUE(b) << b.error().message;
  QuotaClient ca(channel(a->grpc_port), options());
  QuotaClient cb(channel(b->grpc_port), options());
  std::atomic<int> allowed{0}, degraded{0};
  std::vector<std::thread> threads;
  for (QuotaClient* c : {&ca, &cb}) {
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, c] {
        for (;;) {
          const auto r = c->spend(kDevice, 1);
          if (r.degraded) ++degraded;
          if (!r.allowed) return;
          ++allowed;
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(degraded.load(), 0);
  EXPECT_EQ(allowed.load(), 100);  // not one message more than the limit
  const auto refused = ca.spend(kDevice, 1);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GT(refused.retry_after.count(), 0);
}

TEST_F(QuotaClientTest, UnspentTokensGoBackAndCanBeSpentElsewhere) {
  auto svc = start();
  ASSERT_TRUE(svc) << svc.error().message;
  const Descriptor d{"relay", {{"device", "d-return"}}};
  {
    QuotaClient first(channel(svc->grpc_port), options(25));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(first.spend(d, 1).allowed);
    EXPECT_EQ(first.return_unspent(), 22);  // 25 leased, 3 spent
    EXPECT_EQ(first.return_unspent(), 0);   // once
  }
  QuotaClient second(channel(svc->grpc_port), options(25));
  int allowed = 0;
  while (second.spend(d, 1).allowed) ++allowed;
  EXPECT_EQ(allowed, 97);
}

TEST_F(QuotaClientTest, ASpendLargerThanOneLeaseDrawsOnSeveralAndNeverPassesTheLimit) {
  auto svc = start();
  ASSERT_TRUE(svc) << svc.error().message;
  const Descriptor d{"relay", {{"device", "d-bytes"}}};
  QuotaClient c(channel(svc->grpc_port), options(1000));  // the service caps a lease at 25 of 100
  EXPECT_TRUE(c.spend(d, 60).allowed);   // three leases
  EXPECT_FALSE(c.spend(d, 50).allowed);  // only 40 left in all
  EXPECT_TRUE(c.spend(d, 40).allowed);   // exactly the rest
  EXPECT_FALSE(c.spend(d, 1).allowed);
  EXPECT_FALSE(c.spend(d, 1000).allowed);  // larger than the limit: refused, bounded
}

TEST_F(QuotaClientTest, ASpentLimitIsNotAskedForAgainAndAgain) {
  auto svc = start();
  ASSERT_TRUE(svc) << svc.error().message;
  const Descriptor d{"relay", {{"device", "d-storm"}}};
  QuotaClient c(channel(svc->grpc_port), options(25));
  while (c.spend(d, 1).allowed) {
  }
  const double before = metric(*svc, "breakwater_ratelimit_lease_decisions_total", {"result=\"exhausted\""});
  for (int i = 0; i < 200; ++i) EXPECT_FALSE(c.spend(d, 1).allowed);
  EXPECT_EQ(metric(*svc, "breakwater_ratelimit_lease_decisions_total", {"result=\"exhausted\""}), before);  // answered from the cached refusal
}

TEST_F(QuotaClientTest, ASteadySpenderGetsItsNextLeaseAheadAndDoesNotWaitForIt) {
  auto svc = start_on_suite_redis({"BREAKWATER_REDIS_POOL_SIZE=8", "BREAKWATER_RATELIMIT_LEASE_TTL=2s"});
  ASSERT_TRUE(svc) << svc.error().message;
  // 20-token leases valid 2 s, a spend every 300 ms: a lease never runs low, so each next
  // one comes from the schedule, at 1.2–1.6 s, 0.4 s or more before the lease ends.
  const Descriptor d{"relay", {{"device", "d-steady"}}};
  QuotaClient c(channel(svc->grpc_port), options(20));
  for (int i = 0; i < 16; ++i) {
    ASSERT_TRUE(c.spend(d, 1).allowed) << "spend " << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_EQ(c.stats().waited, 1u) << "only the first lease was waited for";
  EXPECT_GE(c.stats().ahead, 2u) << "the others were renewed ahead";
  // An idle descriptor's lease is left to expire: nothing renewed without spends.
  const auto ahead = c.stats().ahead;
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));
  EXPECT_LE(c.stats().ahead, ahead + 1) << "at most the lease in use when spending stopped";
  QuotaClient::Options off = options(20);
  off.renew_ahead = false;
  QuotaClient without(channel(svc->grpc_port), off);
  const Descriptor other{"relay", {{"device", "d-steady-2"}}};
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(without.spend(other, 1).allowed);
  EXPECT_EQ(without.stats().waited, 2u) << "without renewal ahead, each lease is waited for";
  EXPECT_EQ(without.stats().ahead, 0u);
}

TEST_F(QuotaClientTest, DevicesThatStartedTogetherAreRenewedInFewCalls) {
  auto svc = start_on_suite_redis({"BREAKWATER_REDIS_POOL_SIZE=8", "BREAKWATER_RATELIMIT_LEASE_TTL=2s"});
  ASSERT_TRUE(svc) << svc.error().message;
  // 24 devices leased in the same instant (a pod restart), each then spending every 250 ms:
  // their leases fall due over 1.2–1.6 s, and a renewal takes every one due within the next
  // 100 ms along (1/20 of the validity), one AcquireLeases call for them all.
  constexpr int kDevices = 24;
  std::vector<Descriptor> devices;
  for (int i = 0; i < kDevices; ++i) devices.push_back(Descriptor{"relay", {{"device", "d-together-" + std::to_string(i)}}});
  QuotaClient c(channel(svc->grpc_port), options(20));
  for (int round = 0; round < 12; ++round) {
    for (const auto& d : devices) ASSERT_TRUE(c.spend(d, 1).allowed) << "round " << round;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const auto stats = c.stats();
  EXPECT_EQ(stats.waited, static_cast<std::uint64_t>(kDevices)) << "only the first leases were waited for";
  EXPECT_GE(stats.ahead, static_cast<std::uint64_t>(kDevices)) << "every device renewed ahead at least once";
  EXPECT_LE(stats.ahead_calls * 2, stats.ahead) << stats.ahead << " renewals in " << stats.ahead_calls << " calls";
  const double returned = metric(*svc, "breakwater_ratelimit_lease_tokens_total", {"direction=\"returned\""});
  EXPECT_GT(returned, 0) << "the replaced leases' unspent tokens went back";
  EXPECT_GE(metric(*svc, "breakwater_ratelimit_grpc_requests_total", {"/ReturnLeases\"", "code=\"OK\""}), 1)
      << "in ReturnLeases calls";
  EXPECT_EQ(metric(*svc, "breakwater_ratelimit_grpc_requests_total", {"/ReturnLease\""}), 0) << "not one call each";
}

TEST_F(QuotaClientTest, ADescriptorThatSpendsFastAsksForLargerLeases) {
  auto svc = start_on_suite_redis({"BREAKWATER_REDIS_POOL_SIZE=8", "BREAKWATER_RATELIMIT_LEASE_TTL=1s"});
  ASSERT_TRUE(svc) << svc.error().message;
  // No rule limits a tenant here, so the service grants exactly what is asked: 3,000 spends
  // in a row on 10-token leases would take ~300 fetches; leases that double while they run
  // low within a quarter of their validity (up to 16 × 10) take a few dozen.
  const Descriptor hot{"relay", {{"tenant", "t-hot"}}};
  QuotaClient c(channel(svc->grpc_port), options(10));
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(c.spend(hot, 1).allowed) << "spend " << i;
  const auto fetched = c.stats().waited + c.stats().ahead;
  EXPECT_LE(fetched, 60u) << fetched << " fetches for 3,000 tokens";
  // Once idle past its last lease (1 s), it starts again from 10 tokens: 25 spends need
  // more than the one lease that a grown size would have covered.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const auto before = c.stats().waited + c.stats().ahead;
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(c.spend(hot, 1).allowed);
  EXPECT_GE(c.stats().waited + c.stats().ahead - before, 2u) << "the grown size was forgotten";
  // A device spending slowly keeps asking for the configured size: 25 spends, 3 leases of 10.
  const Descriptor slow{"relay", {{"tenant", "t-slow"}}};
  QuotaClient::Options no_ahead = options(10);
  no_ahead.renew_ahead = false;
  QuotaClient quiet(channel(svc->grpc_port), no_ahead);
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(quiet.spend(slow, 1).allowed);
  EXPECT_EQ(quiet.stats().waited, 3u);
}

// Polls until pred() holds or 3 s pass.
template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 300 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return pred();
}

TEST_F(QuotaClientTest, ASlowSenderBorrowsOneTokenAndItsNextLeaseComesInTheBackground) {
  auto svc = start_with_short_leases();
  ASSERT_TRUE(svc) << svc.error().message;
  // A device sending once every 1.3 s with 1 s leases: its lease has always run out, unspent,
  // by its next spend (and is too idle to be renewed ahead).
  const Descriptor d{"relay", {{"device", "d-slow-borrow"}}};
  QuotaClient c(channel(svc->grpc_port), borrowing());
  ASSERT_TRUE(c.spend(d, 1).allowed);
  EXPECT_EQ(c.stats().waited, 1u) << "a first lease is waited for: nothing to borrow against";
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  ASSERT_TRUE(c.spend(d, 1).allowed);
  EXPECT_EQ(c.stats().waited, 1u) << "the second spend did not wait";
  EXPECT_EQ(c.stats().borrowed, 1u);
  ASSERT_TRUE(eventually([&] { return c.stats().ahead == 1; })) << "its next lease came in the background";
  // That lease's 10 tokens less the one borrowed: 9 go back, not 10.
  EXPECT_EQ(c.return_unspent(), 9);

  // Without borrowing (the default), the same spend waits for its lease.
  const Descriptor other{"relay", {{"device", "d-slow-wait"}}};
  QuotaClient strict(channel(svc->grpc_port), options(10));
  ASSERT_TRUE(strict.spend(other, 1).allowed);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  ASSERT_TRUE(strict.spend(other, 1).allowed);
  EXPECT_EQ(strict.stats().waited, 2u);
  EXPECT_EQ(strict.stats().borrowed, 0u);
}

TEST_F(QuotaClientTest, ABorrowedTokenWhoseLeaseIsRefusedEndsBorrowing) {
  auto svc = start_with_short_leases();
  ASSERT_TRUE(svc) << svc.error().message;
  // Client a leases 10 of the device's 100 per hour and leaves 9 unspent; client b then
  // spends every token left. a's next spend borrows (its expired lease says the limit had
  // room), the lease fetched for it is refused, and from then on a is refused: one borrowed
  // token at most, and the tokens actually spent stay within the limit (a's 9 forfeit tokens
  // were counted).
  const Descriptor d{"relay", {{"device", "d-borrow-refused"}}};
  QuotaClient a(channel(svc->grpc_port), borrowing());
  ASSERT_TRUE(a.spend(d, 1).allowed);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  QuotaClient b(channel(svc->grpc_port), options(10));
  int spent = 1;
  while (b.spend(d, 1).allowed) ++spent;
  EXPECT_EQ(spent, 91) << "a's lease of 10 was counted when granted";
  ASSERT_TRUE(a.spend(d, 1).allowed) << "borrowed";
  ++spent;
  EXPECT_EQ(a.stats().borrowed, 1u);
  ASSERT_TRUE(eventually([&] { return a.stats().ahead == 1; }));
  for (int i = 0; i < 5; ++i) {
    const auto r = a.spend(d, 1);
    EXPECT_FALSE(r.allowed) << "spend " << i << " after the refused lease";
    EXPECT_GT(r.retry_after.count(), 0);
  }
  EXPECT_EQ(a.stats().borrowed, 1u) << "no second borrowed token";
  EXPECT_LE(spent, 100);
}

TEST_F(QuotaClientTest, WhenTheServiceGoesAwayAFailClosedClientStopsBorrowing) {
  auto svc = start_with_short_leases();
  ASSERT_TRUE(svc) << svc.error().message;
  QuotaClient::Options o = borrowing();
  o.rpc_timeout = std::chrono::milliseconds(300);
  QuotaClient c(channel(svc->grpc_port), o);
  const Descriptor a{"relay", {{"device", "d-away-a"}}};
  const Descriptor b{"relay", {{"device", "d-away-b"}}};
  ASSERT_TRUE(c.spend(a, 1).allowed);
  ASSERT_TRUE(c.spend(b, 1).allowed);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // both leases ran out unspent
  svc->process.terminate(SIGKILL, std::chrono::seconds(5));
  // a borrows before any failed call is seen; its lease then cannot be fetched, and from
  // then on neither a nor b (which could have borrowed too) gets a token: fail closed.
  EXPECT_TRUE(c.spend(a, 1).allowed);
  ASSERT_TRUE(eventually([&] { return c.stats().ahead == 1; })) << "a's lease was asked for";
  for (const auto& d : {a, b}) {
    const auto r = c.spend(d, 1);
    EXPECT_FALSE(r.allowed);
    EXPECT_TRUE(r.degraded);
  }
  // Still none once the refusals' degraded_retry (1 s) has passed: not until a call succeeds.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const auto later = c.spend(b, 1);
  EXPECT_FALSE(later.allowed);
  EXPECT_TRUE(later.degraded);
  EXPECT_EQ(c.stats().borrowed, 1u);
}

TEST_F(QuotaClientTest, AnAppendBatchOfNewDevicesWaitsForOneCallPer64) {
  auto svc = start();
  ASSERT_TRUE(svc) << svc.error().message;
  // 70 devices seen for the first time (they all just reconnected), five of them twice in
  // the batch: one AcquireLeases for 64 and one for the other 6, each lease asked once, and
  // every spend then draws on a fetched lease without another call.
  constexpr int kDevices = 70;
  std::vector<Descriptor> batch;
  for (int i = 0; i < kDevices; ++i) batch.push_back(Descriptor{"relay", {{"device", "d-new-" + std::to_string(i)}}});
  for (int i = 0; i < 5; ++i) batch.push_back(batch[static_cast<std::size_t>(i)]);
  QuotaClient c(channel(svc->grpc_port), options(10));
  c.prefetch(batch);
  EXPECT_EQ(c.stats().waited_calls, 2u);
  EXPECT_EQ(c.stats().waited, static_cast<std::uint64_t>(kDevices));
  for (const auto& d : batch) EXPECT_TRUE(c.spend(d, 1).allowed);
  c.prefetch(batch);  // every one holds tokens now: nothing to ask
  EXPECT_EQ(c.stats().waited_calls, 2u) << "no call of its own for any spend";
  EXPECT_EQ(metric(*svc, "breakwater_ratelimit_grpc_requests_total", {"/AcquireLeases\"", "code=\"OK\""}), 2);
  EXPECT_EQ(metric(*svc, "breakwater_ratelimit_grpc_requests_total", {"/AcquireLease\""}), 0);
  EXPECT_EQ(metric(*svc, "breakwater_ratelimit_lease_decisions_total", {"result=\"granted\""}), kDevices)
      << "one lease counted per device, the repeated ones included";
}

// A breakwater-ratelimit from before AcquireLeases and ReturnLeases (a rolling upgrade):
// an in-process server with the single calls only.
class SingleCallsOnly final : public v1::Quota::Service {
 public:
  grpc::Status AcquireLease(grpc::ServerContext*, const v1::AcquireLeaseRequest* req,
                            v1::AcquireLeaseResponse* res) override {
    ++acquired;
    res->set_granted(req->requested());
    res->set_lease_id(std::string(16, static_cast<char>('a' + acquired % 26)));
    res->mutable_valid_for()->set_nanos(600'000'000);  // 0.6 s: renewed ahead at 0.36–0.48 s
    return grpc::Status::OK;
  }
  grpc::Status ReturnLease(grpc::ServerContext*, const v1::ReturnLeaseRequest* req,
                           v1::ReturnLeaseResponse* res) override {
    ++returned;
    res->set_credited(req->unspent());
    return grpc::Status::OK;
  }
  // What the service before them answered (gRPC's default for a method not implemented),
  // counted: the client must not ask again for every batch.
  grpc::Status AcquireLeases(grpc::ServerContext*, const v1::AcquireLeasesRequest*, v1::AcquireLeasesResponse*) override {
    ++batch_attempts;
    return {grpc::StatusCode::UNIMPLEMENTED, ""};
  }
  grpc::Status ReturnLeases(grpc::ServerContext*, const v1::ReturnLeasesRequest*, v1::ReturnLeasesResponse*) override {
    ++batch_attempts;
    return {grpc::StatusCode::UNIMPLEMENTED, ""};
  }
  std::atomic<int> acquired{0};
  std::atomic<int> returned{0};
  std::atomic<int> batch_attempts{0};
};

// `old` served on a loopback port; a channel to it.
struct OldService {
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;
};
OldService serve(SingleCallsOnly& old) {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&old);
  OldService s;
  s.server = builder.BuildAndStart();
  if (s.server && port > 0) {
    s.channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  }
  return s;
}

TEST_F(QuotaClientTest, AnOlderServiceWithoutBatchCallsIsRenewedOneCallEach) {
  SingleCallsOnly old;
  auto service = serve(old);
  ASSERT_TRUE(service.channel);
  QuotaClient::Options o = options(50);
  QuotaClient c(service.channel, o);
  const Descriptor d{"relay", {{"device", "d-old"}}};
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(c.spend(d, 1).allowed) << "spend " << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  EXPECT_EQ(c.stats().waited, 1u);
  EXPECT_GE(c.stats().ahead, 1u) << "renewed ahead through AcquireLease after AcquireLeases was UNIMPLEMENTED";
  const auto fetched = static_cast<int>(c.stats().waited + c.stats().ahead);
  EXPECT_GE(old.acquired.load(), fetched) << "every lease came from a single call";
  EXPECT_LE(old.acquired.load(), fetched + 1) << "(one more may be in flight)";
  EXPECT_GE(old.returned.load(), 1) << "the replaced lease went back through ReturnLease";
  EXPECT_EQ(old.batch_attempts.load(), 1) << "one UNIMPLEMENTED, then single calls for a while";
  EXPECT_EQ(c.stats().ahead_calls, c.stats().ahead + 1) << "one call per renewal, and the AcquireLeases refused";
  service.server->Shutdown();
}

TEST_F(QuotaClientTest, AgainstAnOlderServicePrefetchLeavesTheFetchesToSpend) {
  SingleCallsOnly old;
  auto service = serve(old);
  ASSERT_TRUE(service.channel);
  QuotaClient c(service.channel, options(50));
  const std::vector<Descriptor> batch = {{"relay", {{"device", "d-old-1"}}}, {"relay", {{"device", "d-old-2"}}},
                                         {"relay", {{"device", "d-old-3"}}}};
  c.prefetch(batch);
  EXPECT_EQ(old.batch_attempts.load(), 1);
  EXPECT_EQ(c.stats().waited, 0u) << "nothing fetched";
  for (const auto& d : batch) EXPECT_TRUE(c.spend(d, 1).allowed);
  EXPECT_EQ(old.acquired.load(), 3) << "each spend fetched its own lease";
  c.prefetch({{"relay", {{"device", "d-old-4"}}}});
  EXPECT_EQ(old.batch_attempts.load(), 1) << "the batch call is not tried again at once";
  EXPECT_EQ(c.stats().waited, 3u);
  service.server->Shutdown();
}

TEST_F(QuotaClientTest, ARefusedRenewalIsNotAskedAgainAtEverySpend) {
  auto svc = start();
  ASSERT_TRUE(svc) << svc.error().message;
  const Descriptor d{"relay", {{"device", "d-renew-refused"}}};
  QuotaClient c(channel(svc->grpc_port), options(25));  // 4 leases of 25 make the limit
  const double before = metric(*svc, "breakwater_ratelimit_lease_decisions_total", {"result=\"exhausted\""});
  int allowed = 0;
  // Slowly enough for each renewal to be answered before the next spend: the last lease
  // runs low at 6 tokens left, and every spend after that would otherwise ask again.
  while (c.spend(d, 1).allowed) {
    ++allowed;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(allowed, 100);
  const double refusals = metric(*svc, "breakwater_ratelimit_lease_decisions_total", {"result=\"exhausted\""}) - before;
  EXPECT_GE(refusals, 1);
  EXPECT_LE(refusals, 2) << "one refused renewal ahead, one refused fetch of the spend that found the bucket empty";
  EXPECT_LE(c.stats().ahead, 4u) << "three renewals granted, one refused; none asked again";
}

TEST_F(QuotaClientTest, WithoutTheServiceSpendFailsClosedUnlessConfiguredOpen) {
  const std::uint16_t port = free_loopback_port();  // nothing listens there
  ASSERT_NE(port, 0);
  auto o = options();
  o.rpc_timeout = std::chrono::milliseconds(300);
  QuotaClient closed(channel(port), o);
  const auto r = closed.spend(kDevice, 1);
  EXPECT_FALSE(r.allowed);
  EXPECT_TRUE(r.degraded);
  EXPECT_FALSE(closed.check_and_record("", "totp", "x", std::chrono::seconds(90)).ok());
  EXPECT_FALSE(closed.record_failure({quota::SubjectKind::kAccount, "", "alice"}, "login").ok());
  o.fail_open = true;
  QuotaClient open(channel(port), o);
  const auto r2 = open.spend(kDevice, 1);
  EXPECT_TRUE(r2.allowed);
  EXPECT_TRUE(r2.degraded);

  // A batch's prefetch that found the service away leaves the same answers, and its spends
  // do not each wait for a call of their own.
  const std::vector<Descriptor> batch = {{"relay", {{"device", "d-away-1"}}}, {"relay", {{"device", "d-away-2"}}}};
  for (const bool fail_open : {false, true}) {
    o.fail_open = fail_open;
    QuotaClient after_prefetch(channel(port), o);
    after_prefetch.prefetch(batch);
    for (const auto& d : batch) {
      const auto r3 = after_prefetch.spend(d, 1);
      EXPECT_EQ(r3.allowed, fail_open);
      EXPECT_TRUE(r3.degraded);
    }
    EXPECT_EQ(after_prefetch.stats().waited_calls, 1u) << "one call: the prefetch's (fail_open " << fail_open << ")";
  }
}

TEST_F(QuotaClientTest, OneTimeAndLockoutCallsAreTyped) {
  auto svc = start();
  ASSERT_TRUE(svc) << svc.error().message;
  QuotaClient c(channel(svc->grpc_port), options());
  EXPECT_EQ(c.check_and_record("", "pairing", "code-1", std::chrono::minutes(5)).value(), quota::OneTime::kFirstUse);
  EXPECT_EQ(c.check_and_record("", "pairing", "code-1", std::chrono::minutes(5)).value(), quota::OneTime::kDuplicate);
  const quota::Subject who{quota::SubjectKind::kAddress, "", std::string(16, '\x01')};
  for (int i = 0; i < 29; ++i) ASSERT_FALSE(c.record_failure(who, "login").value().locked);
  const auto banned = c.record_failure(who, "login").value();  // the 30th: the address default
  EXPECT_TRUE(banned.locked);
  EXPECT_TRUE(banned.recorded);
  EXPECT_GT(banned.retry_after, std::chrono::hours(23));
  EXPECT_TRUE(c.check_lockout(who, "login").value().locked);
  ASSERT_TRUE(c.clear_failures(who, "login").ok());
  EXPECT_FALSE(c.check_lockout(who, "login").value().locked);
  const auto unknown = c.spend(Descriptor{"nowhere", {{"device", "d"}}}, 1);
  EXPECT_FALSE(unknown.allowed);
  EXPECT_TRUE(unknown.invalid);
  auto bad = c.check_and_record("", "Bad Scope", "x", std::chrono::seconds(1));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("scope"), std::string::npos);
}

}  // namespace
}  // namespace bw::testing
