// Pending approvals (hook/approval_broker.hpp): exactly the call shown, once, in time, from
// a role that may approve.
#include "hook/approval_broker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/sha256.hpp"

namespace bw::agent::hook {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr std::int64_t kNow = 1'800'000'000'000;

const HookCall kCall{"claude-1", "toolu_7", "Bash", "/home/u/p", "default", R"({"command":"rm -rf build"})"};

Bytes answer_for(const OpenedRequest& r, bool allow) { return encode_answer_body({r.id, r.h, allow}); }

TEST(ApprovalBroker, TheRequestIsTheExactCallAndItsHashIsOverItsBytes) {
  ApprovalBroker b;
  auto r = b.open("session-1", kCall, kNow + 60'000);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["req_id"], crypto::hex_encode(r.id));
  EXPECT_EQ(j["tool_name"], "Bash");
  EXPECT_EQ(j["tool_input"]["command"], "rm -rf build");
  EXPECT_EQ(j["tool_use_id"], "toolu_7");
  EXPECT_EQ(j["cwd"], "/home/u/p");
  EXPECT_EQ(j["expires_at_ms"], kNow + 60'000);
  EXPECT_EQ(r.h, crypto::sha256(as_bytes(r.body)));
  auto r2 = b.open("session-1", kCall, kNow + 60'000);
  EXPECT_NE(r.id, r2.id) << "fresh random ids";
  EXPECT_NE(r.h, r2.h);
}

TEST(ApprovalBroker, AMembersAllowOrDenyResolvesIt) {
  for (bool allow : {true, false}) {
    ApprovalBroker b;
    auto r = b.open("s", kCall, kNow + 60'000);
    EXPECT_EQ(b.answer(answer_for(r, allow), e2e::Role::kMember, "phone", kNow), AnswerOutcome::kAccepted);
    auto res = b.wait(r.id, Clock::now() + 1s);
    EXPECT_EQ(res.allow, allow);
    EXPECT_EQ(res.who, "phone");
    EXPECT_EQ(b.pending(), 0u);
  }
}

TEST(ApprovalBroker, RefusesViewersWrongHashesLateAnswersAndGarbage) {
  ApprovalBroker b;
  auto r = b.open("s", kCall, kNow + 60'000);
  EXPECT_EQ(b.answer(answer_for(r, true), e2e::Role::kViewer, "viewer", kNow), AnswerOutcome::kRoleForbids);
  auto other = r;
  other.h[0] ^= 1;
  EXPECT_EQ(b.answer(answer_for(other, true), e2e::Role::kMember, "p", kNow), AnswerOutcome::kWrongHash);
  EXPECT_EQ(b.answer(answer_for(r, true), e2e::Role::kMember, "p", kNow + 60'000), AnswerOutcome::kExpired);
  Bytes bad = answer_for(r, true);
  bad[48] = 3;
  EXPECT_EQ(b.answer(bad, e2e::Role::kMember, "p", kNow), AnswerOutcome::kMalformed);
  bad.resize(48);
  EXPECT_EQ(b.answer(bad, e2e::Role::kMember, "p", kNow), AnswerOutcome::kMalformed);
  // None of those resolved it: a valid answer still can.
  EXPECT_EQ(b.answer(answer_for(r, false), e2e::Role::kOwner, "owner", kNow), AnswerOutcome::kAccepted);
  EXPECT_FALSE(b.wait(r.id, Clock::now() + 1s).allow);
}

TEST(ApprovalBroker, AnOldAllowReplayedForANewRequestIsRefused) {
  ApprovalBroker b;
  auto first = b.open("s", kCall, kNow + 60'000);
  const auto old_allow = answer_for(first, true);
  ASSERT_EQ(b.answer(old_allow, e2e::Role::kMember, "p", kNow), AnswerOutcome::kAccepted);
  ASSERT_TRUE(b.wait(first.id, Clock::now() + 1s).allow);
  auto second = b.open("s", kCall, kNow + 60'000);  // the same tool call again
  EXPECT_EQ(b.answer(old_allow, e2e::Role::kMember, "p", kNow), AnswerOutcome::kUnknown);
  auto res = b.wait(second.id, Clock::now() + 200ms);
  EXPECT_FALSE(res.allow) << "the replay approved nothing; the new request timed out";
  EXPECT_EQ(res.reason, "no answer before the approval timeout");
}

TEST(ApprovalBroker, TwoPhonesAnsweringAtOnceMakeExactlyOneDecision) {
  for (int round = 0; round < 50; ++round) {
    ApprovalBroker b;
    auto r = b.open("s", kCall, kNow + 60'000);
    std::atomic<int> accepted{0}, resolved{0};
    std::vector<std::thread> phones;
    for (int i = 0; i < 4; ++i) {
      phones.emplace_back([&, i] {
        auto o = b.answer(answer_for(r, i % 2 == 0), e2e::Role::kMember, "phone" + std::to_string(i), kNow);
        if (o == AnswerOutcome::kAccepted) ++accepted;
        if (o == AnswerOutcome::kResolved || o == AnswerOutcome::kUnknown) ++resolved;  // decided / forgotten
      });
    }
    auto res = b.wait(r.id, Clock::now() + 2s);
    for (auto& t : phones) t.join();
    EXPECT_EQ(accepted.load(), 1);
    EXPECT_EQ(accepted.load() + resolved.load(), 4) << "the others were told it was already decided";
    const int idx = res.who.back() - '0';
    EXPECT_EQ(res.allow, idx % 2 == 0) << "the decision is the accepted answer's";
  }
}

TEST(ApprovalBroker, StoppingDeniesEveryPendingRequestAtOnce) {
  ApprovalBroker b;
  auto r = b.open("s", kCall, kNow + 60'000);
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    b.close("the agent is stopping");
  });
  auto res = b.wait(r.id, Clock::now() + 30s);
  stopper.join();
  EXPECT_FALSE(res.allow);
  EXPECT_EQ(res.reason, "the agent is stopping");
  EXPECT_EQ(b.answer(answer_for(r, true), e2e::Role::kMember, "p", kNow), AnswerOutcome::kUnknown);

  // A hook that reaches the broker after that is denied at once, not at its timeout, and no
  // late answer can turn it into an allow.
  auto late = b.open("s", kCall, kNow + 60'000);
  EXPECT_EQ(b.answer(answer_for(late, true), e2e::Role::kMember, "p", kNow), AnswerOutcome::kResolved);
  const auto started = Clock::now();
  auto late_res = b.wait(late.id, Clock::now() + 30s);
  EXPECT_LT(Clock::now() - started, 5s);
  EXPECT_FALSE(late_res.allow);
  EXPECT_EQ(late_res.reason, "the agent is stopping");
  EXPECT_EQ(b.pending(), 0u);
}

TEST(ApprovalBroker, AWaiterIsWokenByTheAnswer) {
  ApprovalBroker b;
  auto r = b.open("s", kCall, kNow + 60'000);
  std::thread phone([&] {
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(b.answer(answer_for(r, true), e2e::Role::kAdmin, "p", kNow), AnswerOutcome::kAccepted);
  });
  const auto started = Clock::now();
  auto res = b.wait(r.id, Clock::now() + 30s);
  phone.join();
  EXPECT_TRUE(res.allow);
  EXPECT_LT(Clock::now() - started, 20s) << "woken, not timed out";
}

}  // namespace
}  // namespace bw::agent::hook
