// The canonical event encoding: round trips, the exact documented bytes (from the independent
// Python encoder, testdata/make_golden.py), and one test per way the strict decoder refuses
// bytes that encode_event would never produce.
#include <gtest/gtest.h>

#include "bw/audit/errors.hpp"
#include "bw/audit/event.hpp"
#include "bw/crypto/hex.hpp"
#include "event_test_util.hpp"

namespace bw::audit {
namespace {

using testing::sample_event;

// make_golden.py's output for sample_event().
constexpr const char* kGoldenEncoding =
    "01000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0000019b76daa87b010010202122232425262728"
    "292a2b2c2d2e2f0000000a617574682e6c6f67696e0004757365720010202122232425262728292a2b2c2d2e2f01001000000000"
    "000000000000ffffc000020100030006636c69656e74000a636c6920312e3020c3a900066d6574686f64000870617373776f7264"
    "0006726561736f6e00026f6b000461757468";
constexpr const char* kGoldenLeafHash = "4c7fb4e9ca66d80832813422d0d904b7c50400c3dd549f3975e0c8a1c3a20a37";

Bytes encode(const Event& e) {
  auto b = encode_event(e);
  EXPECT_TRUE(b) << (b ? "" : b.error().message);
  return b ? *b : Bytes{};
}

Bytes golden() { return *crypto::hex_decode(kGoldenEncoding); }

// Decoding fails with the given code and a message containing `words`.
void expect_rejected(const Bytes& bytes, Errc code, const std::string& words) {
  auto e = decode_event(bytes);
  ASSERT_FALSE(e);
  EXPECT_TRUE(has_code(e.error(), code)) << e.error().message;
  EXPECT_NE(e.error().message.find(words), std::string::npos) << e.error().message;
}

static_assert(kMaxEncodedEvent == 5531, "docs/protocol.md §8.1 quotes this bound");

// Offset of the attribute count in the golden encoding (everything before it is fixed here).
constexpr std::size_t kAttributesAt = 1 + 16 + 16 + 8 + 1 + 18 + 2 + 12 + 6 + 18 + 1 + 18;

TEST(EventCodec, MatchesTheIndependentEncoderByteForByte) {
  EXPECT_EQ(crypto::hex_encode(encode(sample_event())), kGoldenEncoding);
  EXPECT_EQ(crypto::hex_encode(leaf_hash(encode(sample_event()))), kGoldenLeafHash);
}

TEST(EventCodec, RoundTripsAFullEvent) {
  const Bytes bytes = encode(sample_event());
  auto back = decode_event(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, sample_event());
  EXPECT_EQ(encode(*back), bytes);
}

TEST(EventCodec, RoundTripsAMinimalServiceEvent) {
  Event e;
  e.actor_kind = ActorKind::kService;
  e.actor_name = "ratelimit";
  e.action = "key.rotate";
  e.result = Outcome::kDenied;
  e.producer = "ratelimit";
  auto back = decode_event(encode(e));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, e);
}

TEST(EventCodec, RoundTripsAnEventAtEveryLimit) {
  Event e = sample_event();
  e.time_ms = kMaxTimeMs;
  e.action = std::string(kMaxAction, 'a');
  e.target_type = std::string(kMaxTargetType, 't');
  e.target_id = Bytes(kMaxTargetId, 0xEE);
  e.producer = std::string(kMaxProducer, 'p');
  e.attributes.clear();
  for (std::size_t i = 0; i < kMaxAttributes; ++i) {
    e.attributes[std::string(kMaxAttributeKey - 2, 'k') + std::to_string(10 + i)] = std::string(kMaxAttributeValue, 'v');
  }
  const Bytes bytes = encode(e);
  auto back = decode_event(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, e);
  EXPECT_LE(bytes.size(), kMaxEncodedEvent);
}

TEST(EventCodec, EncodeRefusesAnInvalidEvent) {
  Event e = sample_event();
  e.action = "Auth.Login";
  auto bytes = encode_event(e);
  ASSERT_FALSE(bytes);
  EXPECT_TRUE(has_code(bytes.error(), Errc::kInvalidEvent));
}

TEST(EventCodec, RejectsEmptyInput) { expect_rejected({}, Errc::kMalformed, "truncated in field 'version'"); }

TEST(EventCodec, RejectsAnotherVersion) {
  Bytes b = golden();
  b[0] = 2;
  expect_rejected(b, Errc::kMalformed, "version 2");
}

TEST(EventCodec, RejectsEveryTruncation) {
  const Bytes b = golden();
  for (std::size_t n = 0; n < b.size(); ++n) {
    auto e = decode_event(ByteView(b).first(n));
    ASSERT_FALSE(e) << n;
    EXPECT_TRUE(has_code(e.error(), Errc::kMalformed)) << n;
  }
}

TEST(EventCodec, RejectsTrailingBytes) {
  Bytes b = golden();
  b.push_back(0);
  expect_rejected(b, Errc::kMalformed, "trailing bytes");
}

TEST(EventCodec, RejectsALengthBeyondTheEnd) {
  Bytes b = golden();
  b[b.size() - 5] = 0x05;  // producer's length: 0x0004 → 0x0005, one byte more than is left
  expect_rejected(b, Errc::kMalformed, "truncated in field 'producer'");
}

TEST(EventCodec, RejectsUnsortedAttributeKeys) {
  Bytes b = golden();
  // Swap the first two keys' initial letters: "client" → "mlient", "method" → "cethod".
  std::swap(b[kAttributesAt + 4], b[kAttributesAt + 4 + 6 + 2 + 10 + 2]);
  expect_rejected(b, Errc::kMalformed, "keys not in strictly increasing order");
}

TEST(EventCodec, RejectsARepeatedAttributeKey) {
  Bytes b = golden();
  // "method" → "client": the second key now equals the first.
  const std::string client = "client";
  std::copy(client.begin(), client.end(), b.begin() + kAttributesAt + 2 + 2 + 6 + 2 + 10 + 2);
  expect_rejected(b, Errc::kMalformed, "keys not in strictly increasing order");
}

TEST(EventCodec, RejectsAnAttributeCountOverTheLimit) {
  Bytes b = golden();
  b[kAttributesAt] = 0x00;
  b[kAttributesAt + 1] = 17;
  expect_rejected(b, Errc::kMalformed, "17 entries");
}

TEST(EventCodec, RejectsInputOverTheMaximumSize) {
  expect_rejected(Bytes(kMaxEncodedEvent + 1, 0x01), Errc::kMalformed, "at most");
}

TEST(EventCodec, RejectsAWellFormedEventOutsideTheLimits) {
  Bytes b = golden();
  b[1 + 16 + 16 + 8] = 0;  // actor kind UNSPECIFIED
  expect_rejected(b, Errc::kInvalidEvent, "actor.kind");
}

TEST(EventCodec, RejectsAnUnknownResult) {
  Bytes b = golden();
  b[kAttributesAt - 19] = 4;
  expect_rejected(b, Errc::kInvalidEvent, "result");
}

TEST(EventCodec, RejectsASourceAddressOfFourBytes) {
  Bytes b = golden();
  // Re-frame the address as 4 bytes: drop its first 12 bytes and fix its length.
  b.erase(b.begin() + kAttributesAt - 16, b.begin() + kAttributesAt - 4);
  b[kAttributesAt - 17] = 4;
  expect_rejected(b, Errc::kInvalidEvent, "source_address");
}

TEST(EventCodec, RejectsInvalidUtf8InAnAttributeValue) {
  Bytes b = golden();
  b[kAttributesAt + 2 + 2 + 6 + 2 + 8] = 0xC0;  // "é" = C3 A9 → C0 A9, an overlong lead
  expect_rejected(b, Errc::kInvalidEvent, "attributes[client]");
}

TEST(EventCodec, RejectsAControlCharacterInAnAttributeValue) {
  Bytes b = golden();
  b[kAttributesAt + 2 + 2 + 6 + 2 + 3] = '\n';  // "cli 1.0" → "cli\n1.0"
  expect_rejected(b, Errc::kInvalidEvent, "UTF-8 without control");
}

TEST(EventCodec, RejectsAnOverLimitActionEvenIfWellFramed) {
  Event e = sample_event();
  e.action = std::string(kMaxAction, 'a');
  Bytes b = encode(e);
  // Grow the action by one byte, fixing its length: well framed, over the limit.
  const std::size_t at = 1 + 16 + 16 + 8 + 1 + 18 + 2;
  b[at + 1] = static_cast<std::uint8_t>(kMaxAction + 1);
  b.insert(b.begin() + static_cast<std::ptrdiff_t>(at + 2), 'a');
  expect_rejected(b, Errc::kInvalidEvent, "'action' must be 1..64 characters, got 65");
}

}  // namespace
}  // namespace bw::audit
