// e2e envelopes survive the trip through the relay's wire message unchanged, and a wire
// message that does not fit the 82-byte layout is refused.
#include <gtest/gtest.h>

#include "bw/relayclient/convert.hpp"

namespace bw::relayclient {
namespace {

e2e::Envelope sample() {
  e2e::Envelope e;
  e.header.sender.fill(1);
  e.header.recipient.fill(2);
  e.header.epoch = {7, 0xfedcba9876543210ULL};
  e.header.seq = 42;
  e.header.nonce.fill(3);
  e.header.sent_at_ms = 1'800'000'000'123;
  e.header.kind = e2e::Kind::kOutput;
  e.ciphertext = Bytes(300, 0x5a);
  return e;
}

TEST(ConvertTest, RoundTripKeepsEveryHeaderByte) {
  const auto e = sample();
  auto back = from_wire(to_wire(e));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(e2e::encode_envelope(*back), e2e::encode_envelope(e));
  EXPECT_EQ(to_wire(e).epoch().substr(0, 8), std::string("\0\0\0\0\0\0\0\x07", 8));
}

TEST(ConvertTest, FieldsThatDoNotFitAreRefused) {
  const auto w = to_wire(sample());
  for (auto mutate : std::vector<std::function<void(breakwater::relay::v1::Envelope&)>>{
           [](auto& x) { x.set_sender("short"); },
           [](auto& x) { x.set_recipient(std::string(17, 'r')); },
           [](auto& x) { x.set_nonce(""); },
           [](auto& x) { x.set_epoch(std::string(15, 'e')); },
           [](auto& x) { x.set_kind(static_cast<breakwater::relay::v1::Kind>(300)); },
           [](auto& x) { x.set_kind(breakwater::relay::v1::KIND_UNSPECIFIED); },
           [](auto& x) { x.set_sent_at_ms(UINT64_MAX); },
       }) {
    auto bad = w;
    mutate(bad);
    EXPECT_FALSE(from_wire(bad));
  }
  auto v2 = w;
  v2.set_version(2);
  auto r = from_wire(v2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(e2e::Errc::kBadVersion));
}

}  // namespace
}  // namespace bw::relayclient
