// The relay's routing rules (DESIGN §4) as pure functions: every rule can refuse, in order.
#include <gtest/gtest.h>

#include "rules.hpp"

namespace bw::relay {
namespace {

namespace v1 = breakwater::relay::v1;
using breakwater::common::v1::DEVICE_KIND_AGENT;
using breakwater::common::v1::DEVICE_KIND_CLIENT;

constexpr std::int64_t kNow = 1'800'000'000'000;

std::string id(char c) { return std::string(16, c); }

class RulesTest : public ::testing::Test {
 protected:
  RulesTest() {
    client_ = Identity{id('t'), id('u'), id('c'), DEVICE_KIND_CLIENT};
    agent_ = Identity{id('t'), id('v'), id('a'), DEVICE_KIND_AGENT};
    to_agent_ = PairingView{id('p'), id('a'), id('u'), breakwater::common::v1::ROLE_MEMBER, true};
    to_client_ = PairingView{id('p'), id('c'), id('u'), breakwater::common::v1::ROLE_MEMBER, false};
    env_.set_version(1);
    env_.set_sender(id('c'));
    env_.set_recipient(id('a'));
    env_.set_epoch(std::string(15, '\0') + "\x01");
    env_.set_seq(1);
    env_.set_nonce(id('n'));
    env_.set_sent_at_ms(kNow);
    env_.set_kind(v1::KIND_PROMPT);
    env_.set_ciphertext(std::string(256 + 16, 'x'));
  }
  ErrorCode client_check(const v1::Envelope& e, const PairingView* p) { return check_envelope(client_, e, p, kNow, limits_); }
  ErrorCode agent_check(const v1::Envelope& e, const PairingView* p) { return check_envelope(agent_, e, p, kNow, limits_); }

  Identity client_, agent_;
  PairingView to_agent_, to_client_;
  v1::Envelope env_;
  RuleLimits limits_;
};

TEST_F(RulesTest, AWellFormedPromptFromAPairedMemberPasses) {
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::CODE_UNSPECIFIED);
}

TEST_F(RulesTest, FieldSizesMustMatchTheHeaderLayout) {
  for (auto mutate : std::vector<std::function<void(v1::Envelope&)>>{
           [](v1::Envelope& e) { e.set_sender(id('c').substr(1)); },
           [](v1::Envelope& e) { e.set_recipient(id('a') + "x"); },
           [](v1::Envelope& e) { e.set_epoch(""); },
           [](v1::Envelope& e) { e.set_nonce(std::string(17, 'n')); },
           [](v1::Envelope& e) { e.set_kind(v1::KIND_UNSPECIFIED); },
           [](v1::Envelope& e) { e.set_kind(static_cast<v1::Kind>(12)); },
           [](v1::Envelope& e) { e.set_seq(0); },
           [](v1::Envelope& e) { e.set_ciphertext("short"); },
       }) {
    auto e = env_;
    mutate(e);
    EXPECT_EQ(client_check(e, &to_agent_), v1::Error::MALFORMED) << e.ShortDebugString().substr(0, 80);
  }
}

TEST_F(RulesTest, PairingProofsHaveOneShape) {
  auto e = env_;
  e.set_kind(v1::KIND_PAIR_CLIENT_PROOF);
  e.set_epoch(std::string(16, '\0'));
  e.set_seq(0);
  e.set_ciphertext(std::string(32, 'm'));
  EXPECT_EQ(client_check(e, &to_agent_), v1::Error::CODE_UNSPECIFIED);
  auto longer = e;
  longer.set_ciphertext(std::string(33, 'm'));
  EXPECT_EQ(client_check(longer, &to_agent_), v1::Error::MALFORMED);
  auto with_epoch = e;
  with_epoch.set_epoch(id('e'));
  EXPECT_EQ(client_check(with_epoch, &to_agent_), v1::Error::MALFORMED);
  auto with_seq = e;
  with_seq.set_seq(1);
  EXPECT_EQ(client_check(with_seq, &to_agent_), v1::Error::MALFORMED);
}

TEST_F(RulesTest, OnlyVersionOne) {
  env_.set_version(2);
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::BAD_VERSION);
}

TEST_F(RulesTest, TheSenderIsTheAuthenticatedDevice) {
  env_.set_sender(id('z'));
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::SENDER_MISMATCH);
}

TEST_F(RulesTest, SizeLimitCountsHeaderAndCiphertext) {
  limits_.max_envelope_bytes = kHeaderSize + 272;
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::CODE_UNSPECIFIED);
  env_.set_ciphertext(std::string(273, 'x'));
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::TOO_LARGE);
}

TEST_F(RulesTest, ClockSkewBothWaysAndAbsurdTimes) {
  env_.set_sent_at_ms(kNow - limits_.max_clock_skew_ms);
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::CODE_UNSPECIFIED);
  env_.set_sent_at_ms(kNow - limits_.max_clock_skew_ms - 1);
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::CLOCK_SKEW);
  env_.set_sent_at_ms(kNow + limits_.max_clock_skew_ms + 1);
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::CLOCK_SKEW);
  env_.set_sent_at_ms(UINT64_MAX);
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::CLOCK_SKEW);
  env_.set_sent_at_ms(0);
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::CLOCK_SKEW);
}

TEST_F(RulesTest, KindsGoOneWay) {
  // A client cannot send what only an agent sends, and the reverse.
  for (auto k : {v1::KIND_APPROVAL_REQUEST, v1::KIND_OUTPUT, v1::KIND_EVENT}) {
    env_.set_kind(k);
    EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::ROLE_FORBIDS_KIND) << k;
  }
  auto e = env_;
  e.set_sender(id('a'));
  e.set_recipient(id('c'));
  for (auto k : {v1::KIND_PROMPT, v1::KIND_CONTROL, v1::KIND_APPROVAL_ANSWER, v1::KIND_ASSERTION}) {
    e.set_kind(k);
    EXPECT_EQ(agent_check(e, &to_client_), v1::Error::ROLE_FORBIDS_KIND) << k;
  }
  for (auto k : {v1::KIND_OUTPUT, v1::KIND_ACK, v1::KIND_CLOSE, v1::KIND_APPROVAL_REQUEST}) {
    e.set_kind(k);
    EXPECT_EQ(agent_check(e, &to_client_), v1::Error::CODE_UNSPECIFIED) << k;
  }
}

TEST_F(RulesTest, UnpairedRecipientsAndSelfAreRefused) {
  EXPECT_EQ(client_check(env_, nullptr), v1::Error::NOT_PAIRED);
  auto other = to_agent_;
  other.peer = id('b');  // a pairing, but with somebody else
  EXPECT_EQ(client_check(env_, &other), v1::Error::NOT_PAIRED);
  env_.set_recipient(id('c'));
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::NOT_PAIRED);
}

TEST_F(RulesTest, AViewerSendsNoPromptApprovalOrControl) {
  to_agent_.role = breakwater::common::v1::ROLE_VIEWER;
  for (auto k : {v1::KIND_PROMPT, v1::KIND_CONTROL, v1::KIND_APPROVAL_ANSWER}) {
    env_.set_kind(k);
    EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::ROLE_FORBIDS_KIND) << k;
  }
  for (auto k : {v1::KIND_ACK, v1::KIND_CLOSE, v1::KIND_ASSERTION}) {
    env_.set_kind(k);
    EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::CODE_UNSPECIFIED) << k;
  }
  to_agent_.role = breakwater::common::v1::ROLE_UNSPECIFIED;
  env_.set_kind(v1::KIND_ACK);
  EXPECT_EQ(client_check(env_, &to_agent_), v1::Error::ROLE_FORBIDS_KIND);
}

}  // namespace
}  // namespace bw::relay
