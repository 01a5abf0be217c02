// Header, inner-message and acknowledgement codecs: round trips, the padding buckets, and
// strict refusal of everything else.
#include <gtest/gtest.h>

#include "bw/e2e/envelope.hpp"
#include "bw/e2e/message.hpp"

namespace bw::e2e {
namespace {

Header sample() {
  Header h;
  h.sender = Id{1, 2, 3};
  h.recipient = Id{4, 5, 6};
  h.epoch = {7, 0xfedcba9876543210};
  h.seq = 42;
  h.nonce = Nonce{9, 9, 9};
  h.sent_at_ms = 1'800'000'000'123;
  h.kind = Kind::kApprovalRequest;
  return h;
}

TEST(E2eCodec, HeaderRoundTripsAndIsBigEndian) {
  const auto bytes = encode_header(sample());
  EXPECT_EQ(bytes[0], 1);
  EXPECT_EQ(bytes[56], 42) << "seq's last byte";
  EXPECT_EQ(bytes[81], 6);
  auto back = decode_header(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, sample());
}

TEST(E2eCodec, HeadersThatDoNotFollowTheLayoutAreRefused) {
  auto bytes = encode_header(sample());
  Bytes v(bytes.begin(), bytes.end());
  EXPECT_TRUE(has_code(decode_header(ByteView(v).first(81)).error(), Errc::kMalformed));
  v.push_back(0);
  EXPECT_TRUE(has_code(decode_header(v).error(), Errc::kMalformed));
  v.pop_back();
  v[0] = 2;
  EXPECT_TRUE(has_code(decode_header(v).error(), Errc::kBadVersion));
  v[0] = 1;
  for (std::uint8_t k : {0, 12, 255}) {
    v[81] = k;
    EXPECT_TRUE(has_code(decode_header(v).error(), Errc::kMalformed)) << int(k);
  }
  v[81] = 6;
  std::fill(v.begin() + 49, v.begin() + 57, 0);
  EXPECT_TRUE(has_code(decode_header(v).error(), Errc::kMalformed)) << "seq 0";
  std::fill(v.begin() + 49, v.begin() + 57, 0);
  v[56] = 1;
  v[73] = 0x80;
  EXPECT_TRUE(has_code(decode_header(v).error(), Errc::kMalformed)) << "sent_at beyond int64";
  EXPECT_FALSE(decode_envelope(Bytes(kHeaderSize + 15, 0))) << "no room for a tag";
}

TEST(E2eCodec, PaddingBuckets) {
  EXPECT_EQ(padded_size(1), 256u);
  EXPECT_EQ(padded_size(256), 256u);
  EXPECT_EQ(padded_size(257), 512u);
  EXPECT_EQ(padded_size(4096), 4096u);
  EXPECT_EQ(padded_size(4097), 8192u);
  EXPECT_EQ(padded_size(8193), 16384u);
  for (std::size_t body : {0u, 1u, 250u, 251u, 4000u, 5000u, 70000u}) {
    auto m = encode_message(Message{Kind::kOutput, std::nullopt, Bytes(body, 'x')});
    ASSERT_TRUE(m);
    EXPECT_EQ(m->size(), padded_size(body + 6)) << body;
    auto back = decode_message(*m, Kind::kOutput);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->body.size(), body);
  }
}

TEST(E2eCodec, ApprovalAnswersAllHaveOneSize) {
  auto small = encode_message(Message{Kind::kApprovalAnswer, std::nullopt, to_bytes("allow")});
  auto big = encode_message(Message{Kind::kApprovalAnswer, std::nullopt, Bytes(250, 'y')});
  ASSERT_TRUE(small && big);
  EXPECT_EQ(small->size(), 256u);
  EXPECT_EQ(big->size(), 256u);
  EXPECT_TRUE(has_code(encode_message(Message{Kind::kApprovalAnswer, std::nullopt, Bytes(251, 'y')}).error(),
                       Errc::kTooLarge));
  EXPECT_TRUE(has_code(encode_message(Message{Kind::kOutput, std::nullopt, Bytes(kMaxBody + 1, 'y')}).error(),
                       Errc::kTooLarge));
}

TEST(E2eCodec, InnerMessagesAreStrict) {
  const Message m{Kind::kPrompt, PreviousEpoch{3, 9, true}, to_bytes("hi")};
  auto bytes = *encode_message(m);
  EXPECT_EQ(*decode_message(bytes, Kind::kPrompt), m);
  EXPECT_TRUE(has_code(decode_message(bytes, Kind::kControl).error(), Errc::kKindMismatch));
  for (const auto& [at, value] : std::vector<std::pair<std::size_t, std::uint8_t>>{
           {1, 0x04}, {1, 0x02}, {0, 0}, {0, 200}, {21, 0xff}, {bytes.size() - 1, 1}}) {
    Bytes bad = bytes;
    bad[at] = value;
    EXPECT_FALSE(decode_message(bad, Kind::kPrompt)) << "byte " << at << " = " << int(value);
  }
  Bytes truncated(bytes.begin(), bytes.begin() + 255);
  EXPECT_FALSE(decode_message(truncated, Kind::kPrompt)) << "not a bucket size";
  // A short body padded to two buckets: padding longer than needed is refused.
  Bytes over = *encode_message(Message{Kind::kPrompt, std::nullopt, to_bytes("x")});
  over.resize(512, 0);
  EXPECT_FALSE(decode_message(over, Kind::kPrompt));
}

TEST(E2eCodec, Acknowledgements) {
  const AckPosition a{5, 77};
  EXPECT_EQ(*decode_ack(encode_ack(a)), a);
  EXPECT_FALSE(decode_ack(Bytes(15, 0)));
  EXPECT_FALSE(decode_ack(Bytes(17, 0)));
}

}  // namespace
}  // namespace bw::e2e
