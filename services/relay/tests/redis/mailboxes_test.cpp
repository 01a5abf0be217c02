// Mailboxes against a real redis-server running as a one-node cluster: order, exclusive
// reads, acks, replays under a race, the length and age bounds, TTLs and hash tags, the
// batch and NOSCRIPT paths, and a server that is down.
#include "redis/mailboxes.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "bw/redis/errors.hpp"
#include "bw/redis/script.hpp"
#include "bw/testing/ports.hpp"
#include "redis/presence.hpp"
#include "relay_redis_fixture.hpp"

namespace bw::relay::redis {
namespace {

using namespace std::chrono_literals;
using test::device;
using test::nonce;

class MailboxesTest : public test::ClusterRedisTest {
 protected:
  Mailboxes make(MailboxLimits limits = {}, std::size_t pool_size = 4) {
    return Mailboxes(pool(pool_size), limits);
  }
  static AppendRequest request(const DeviceId& to, std::uint32_t n, std::string envelope) {
    return AppendRequest{to, nonce(n), std::move(envelope)};
  }
  // Appends one request and expects a value.
  static AppendResult append_one(Mailboxes& m, const AppendRequest& r) {
    auto results = m.append({&r, 1});
    EXPECT_TRUE(results.ok()) << results.error().message;
    if (!results.ok()) return {};
    EXPECT_TRUE((*results)[0].ok()) << (*results)[0].error().message;
    return (*results)[0].ok() ? *(*results)[0] : AppendResult{};
  }
  static std::int64_t xlen(const DeviceId& d) { return run({"XLEN", mailbox_key(d)}).as_integer(); }
};

TEST_F(MailboxesTest, AppendsInOrderReadsAndAckTrims) {
  auto m = make();
  const std::vector<AppendRequest> batch{request(device(1), 1, "one"), request(device(1), 2, "two"),
                                         request(device(1), 3, "three")};
  auto results = m.append(batch);
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_EQ(results->size(), 3u);
  std::vector<Offset> offsets;
  for (const auto& r : *results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->outcome, AppendOutcome::kAppended);
    offsets.push_back(r->offset);
  }
  EXPECT_LT(offsets[0], offsets[1]);
  EXPECT_LT(offsets[1], offsets[2]);

  auto read = m.read_after(device(1), Offset{}, 10);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), 3u);
  EXPECT_EQ((*read)[0].envelope, "one");
  EXPECT_EQ((*read)[2].envelope, "three");
  EXPECT_EQ((*read)[1].offset, offsets[1]);

  auto acked = m.ack(device(1), offsets[1]);
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  EXPECT_EQ(*acked, 2u);
  read = m.read_after(device(1), Offset{}, 10);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].envelope, "three");
  EXPECT_EQ(m.stats().appended.load(), 3u);
  EXPECT_EQ(m.stats().acked_trimmed.load(), 2u);
}

TEST_F(MailboxesTest, ReadAfterIsExclusiveAndBounded) {
  MailboxLimits limits;
  limits.max_read = 2;
  auto m = make(limits);
  std::vector<Offset> offsets;
  for (std::uint32_t i = 0; i < 4; ++i) {
    offsets.push_back(append_one(m, request(device(2), i, "e" + std::to_string(i))).offset);
  }
  auto read = m.read_after(device(2), offsets[0], 100);  // capped by max_read
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].offset, offsets[1]);
  EXPECT_EQ((*read)[1].offset, offsets[2]);
  read = m.read_after(device(2), offsets[3], 10);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->empty());
  const auto max = std::numeric_limits<std::uint64_t>::max();
  read = m.read_after(device(2), Offset{max, max}, 10);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->empty());
  read = m.read_after(device(3), Offset{}, 10);  // no mailbox at all
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->empty());
}

TEST_F(MailboxesTest, ReplayedNonceIsAppendedExactlyOnceUnderARace) {
  auto m = make({}, 8);
  std::atomic<int> appended{0}, replayed{0}, failed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      AppendRequest r{device(4), nonce(77), "copy " + std::to_string(t)};
      while (!go) std::this_thread::yield();
      auto results = m.append({&r, 1});
      if (!results.ok() || !(*results)[0].ok()) {
        ++failed;
      } else if ((*results)[0]->outcome == AppendOutcome::kAppended) {
        ++appended;
      } else if ((*results)[0]->outcome == AppendOutcome::kReplayed) {
        ++replayed;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(appended.load(), 1);
  EXPECT_EQ(replayed.load(), 7);
  EXPECT_EQ(xlen(device(4)), 1);
  // The same nonce for another recipient is a different envelope.
  EXPECT_EQ(append_one(m, request(device(5), 77, "x")).outcome, AppendOutcome::kAppended);
}

TEST_F(MailboxesTest, LengthBoundRefusesWithoutConsumingTheNonce) {
  MailboxLimits limits;
  limits.max_entries = 2;
  auto m = make(limits);
  auto first = append_one(m, request(device(6), 1, "a"));
  append_one(m, request(device(6), 2, "b"));
  EXPECT_EQ(append_one(m, request(device(6), 3, "c")).outcome, AppendOutcome::kFull);
  EXPECT_EQ(append_one(m, request(device(6), 3, "c")).outcome, AppendOutcome::kFull);
  EXPECT_EQ(xlen(device(6)), 2);
  EXPECT_EQ(run({"EXISTS", nonce_key(device(6), nonce(3))}).as_integer(), 0);
  ASSERT_TRUE(m.ack(device(6), first.offset).ok());
  auto retried = append_one(m, request(device(6), 3, "c"));
  EXPECT_EQ(retried.outcome, AppendOutcome::kAppended);
  EXPECT_EQ(append_one(m, request(device(6), 3, "c")).outcome, AppendOutcome::kReplayed);
  EXPECT_EQ(append_one(m, request(device(6), 4, "d")).outcome, AppendOutcome::kFull);
  EXPECT_EQ(m.stats().full.load(), 3u);
}

TEST_F(MailboxesTest, AgeBoundTrimsCountsAndRecordsTheCut) {
  auto m = make();
  // Two entries from long ago (ids are server milliseconds), as if the mailbox had aged.
  run({"XADD", mailbox_key(device(7)), "1000-0", "e", "old1"});
  run({"XADD", mailbox_key(device(7)), "1000-1", "e", "old2"});
  auto fresh = append_one(m, request(device(7), 1, "new"));
  EXPECT_EQ(fresh.outcome, AppendOutcome::kAppended);
  EXPECT_EQ(fresh.trimmed_by_age, 2u);
  EXPECT_EQ(m.stats().trimmed_by_age.load(), 2u);
  auto read = m.read_after(device(7), Offset{}, 10);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].envelope, "new");

  auto resume = m.resume_point(device(7), Offset{});
  ASSERT_TRUE(resume.ok()) << resume.error().message;
  EXPECT_TRUE(resume->gap);
  EXPECT_EQ(resume->start_after, (Offset{1000, 1}));
  resume = m.resume_point(device(7), Offset{1000, 1});  // had acknowledged both: no gap
  ASSERT_TRUE(resume.ok());
  EXPECT_FALSE(resume->gap);
  EXPECT_EQ(resume->start_after, (Offset{1000, 1}));
  resume = m.resume_point(device(8), Offset{5, 5});  // never trimmed
  ASSERT_TRUE(resume.ok());
  EXPECT_FALSE(resume->gap);
  EXPECT_EQ(resume->start_after, (Offset{5, 5}));
}

TEST_F(MailboxesTest, EveryKeyHasATtlAndTheRecipientsHashTag) {
  MailboxLimits limits;
  limits.max_age = 60s;
  limits.nonce_window = 30s;
  auto m = make(limits);
  run({"XADD", mailbox_key(device(9)), "1000-0", "e", "old"});  // so a cut is recorded
  append_one(m, request(device(9), 1, "x"));
  Presence presence(pool());
  ASSERT_TRUE(presence.claim(device(9), "pod-a", "pod-a/1", 10s).ok());
  const auto slot = run({"CLUSTER", "KEYSLOT", device_channel(device(9))}).as_integer();
  auto keys = run({"KEYS", "*"});
  ASSERT_EQ(keys.as_array().size(), 4u) << keys.debug_string();  // mbox, nonce, cut, owner
  for (const auto& key : keys.as_array()) {
    const std::string& name = key.as_string();
    auto ttl = run({"PTTL", name}).as_integer();
    EXPECT_GT(ttl, 0) << name;
    EXPECT_LE(ttl, 60000) << name;
    EXPECT_EQ(run({"CLUSTER", "KEYSLOT", name}).as_integer(), slot) << name;
  }
  EXPECT_LE(run({"PTTL", nonce_key(device(9), nonce(1))}).as_integer(), 30000);
}

TEST_F(MailboxesTest, BatchResultsArePerRequest) {
  MailboxLimits limits;
  limits.max_envelope_bytes = 8;
  auto m = make(limits);
  const std::vector<AppendRequest> batch{request(device(10), 1, "ok"),
                                         request(device(10), 1, "again"),  // same nonce
                                         request(device(10), 2, "too large!"),
                                         request(device(11), 1, "other")};
  auto results = m.append(batch);
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_EQ(results->size(), 4u);
  EXPECT_EQ((*results)[0]->outcome, AppendOutcome::kAppended);
  EXPECT_EQ((*results)[1]->outcome, AppendOutcome::kReplayed);
  ASSERT_FALSE((*results)[2].ok());
  EXPECT_TRUE(bw::redis::has_code((*results)[2].error(), bw::redis::Errc::kInvalidArgument));
  EXPECT_EQ((*results)[3]->outcome, AppendOutcome::kAppended);
  EXPECT_EQ(xlen(device(10)), 1);

  std::vector<AppendRequest> huge(limits.max_batch + 1, request(device(12), 1, "x"));
  auto refused = m.append(huge);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(bw::redis::has_code(refused.error(), bw::redis::Errc::kInvalidArgument));
  EXPECT_EQ(xlen(device(12)), 0);
}

TEST_F(MailboxesTest, AWrongTypedKeyFailsThatRequestOnlyAndRecordsNothing) {
  auto m = make();
  run({"SET", mailbox_key(device(13)), "not a stream"});
  const std::vector<AppendRequest> batch{request(device(13), 1, "x"), request(device(14), 1, "y")};
  auto results = m.append(batch);
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_FALSE((*results)[0].ok());
  EXPECT_TRUE(bw::redis::has_code((*results)[0].error(), bw::redis::Errc::kServerError));
  EXPECT_EQ(run({"EXISTS", nonce_key(device(13), nonce(1))}).as_integer(), 0);
  EXPECT_EQ((*results)[1]->outcome, AppendOutcome::kAppended);
}

TEST_F(MailboxesTest, ReloadsTheScriptAfterAFlush) {
  auto m = make();
  append_one(m, request(device(15), 1, "a"));
  const auto loads = m.stats().script_loads.load();
  run({"SCRIPT", "FLUSH"});
  const std::vector<AppendRequest> batch{request(device(15), 2, "b"), request(device(15), 3, "c")};
  auto results = m.append(batch);
  ASSERT_TRUE(results.ok()) << results.error().message;
  EXPECT_EQ((*results)[0]->outcome, AppendOutcome::kAppended);
  EXPECT_EQ((*results)[1]->outcome, AppendOutcome::kAppended);
  EXPECT_EQ(m.stats().script_loads.load(), loads + 1);  // once for the whole batch
  EXPECT_EQ(xlen(device(15)), 3);
}

TEST_F(MailboxesTest, ExposesTheAppendStepForRawBenchmarks) {
  const auto& script = Mailboxes::append_script();
  EXPECT_EQ(script.sha1(), bw::redis::script_sha1(script.source()));
  MailboxLimits limits;
  AppendRequest r = request(device(16), 1, "raw");
  bw::redis::Connection raw(options());
  auto reply = script.eval(raw, {mailbox_key(r.recipient), nonce_key(r.recipient, r.nonce),
                                 cut_key(r.recipient)},
                           Mailboxes::append_args(limits, r));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  ASSERT_TRUE(reply->is_array());
  EXPECT_EQ(reply->as_array()[0], bw::redis::Reply::integer(0));
  auto m = make();
  EXPECT_EQ(append_one(m, r).outcome, AppendOutcome::kReplayed);  // same step, same state
}

TEST(MailboxesDown, ARedisThatIsDownIsAFastConnectError) {
  bw::redis::ConnectionOptions nowhere;
  nowhere.port = bw::testing::free_loopback_port();
  Mailboxes m(std::make_shared<bw::redis::Pool>(nowhere, 1), MailboxLimits{});
  AppendRequest r{device(1), nonce(1), "x"};
  const auto start = std::chrono::steady_clock::now();
  auto results = m.append({&r, 1});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  ASSERT_FALSE(results.ok());
  EXPECT_TRUE(bw::redis::has_code(results.error(), bw::redis::Errc::kConnect));
  EXPECT_FALSE(m.read_after(device(1), Offset{}, 1).ok());
  EXPECT_FALSE(m.ack(device(1), Offset{1, 1}).ok());
  EXPECT_EQ(m.stats().errors.load(), 3u);
}

// relay.proto's INTERNAL semantics: after a timeout the envelope may have been recorded; a
// resend is then refused as replayed and the original stays queued, exactly once.
TEST(MailboxesUnknownOutcome, AResendAfterATimeoutIsRefusedAsReplayedAndTheOriginalStays) {
  auto started = bw::testing::RedisServer::start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto server = std::move(started).value();
  auto options = bw::redis::test::options_for(server);
  options.command_timeout = 200ms;
  Mailboxes m(std::make_shared<bw::redis::Pool>(options, 1), MailboxLimits{});
  AppendRequest warm{device(1), nonce(1), "first"};
  ASSERT_TRUE(m.append({&warm, 1}).ok());  // the script is loaded now
  ASSERT_TRUE(server.pause().ok());
  AppendRequest r{device(1), nonce(2), "second"};
  auto unknown = m.append({&r, 1});
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(bw::redis::has_code(unknown.error(), bw::redis::Errc::kTimeout))
      << unknown.error().message;
  ASSERT_TRUE(server.resume().ok());  // the server now runs the request it had received
  bw::redis::Connection admin(bw::redis::test::options_for(server));
  ASSERT_TRUE(test::eventually([&] {
    auto len = admin.command({"XLEN", mailbox_key(device(1))});
    return len.ok() && *len == bw::redis::Reply::integer(2);
  }));
  auto resent = m.append({&r, 1});
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  EXPECT_EQ((*resent)[0]->outcome, AppendOutcome::kReplayed);
  auto read = m.read_after(device(1), Offset{}, 10);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[1].envelope, "second");
}

TEST(MailboxesLimits, ZeroLimitsAreRefusedAtStart) {
  auto p = std::make_shared<bw::redis::Pool>(bw::redis::ConnectionOptions{}, 1);
  MailboxLimits limits;
  limits.max_entries = 0;
  EXPECT_THROW(Mailboxes refused(p, limits), std::invalid_argument);
}

}  // namespace
}  // namespace bw::relay::redis
