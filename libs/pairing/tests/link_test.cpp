// The pairing link codec: round trips, and every malformed or foreign link refused with a
// clear error.
#include <gtest/gtest.h>

#include "bw/crypto/base64url.hpp"
#include "bw/crypto/random.hpp"
#include "bw/pairing/link.hpp"

namespace bw::pairing {
namespace {

PairingLink sample() {
  PairingLink l;
  for (std::size_t i = 0; i < 16; ++i) l.pairing_id[i] = static_cast<std::uint8_t>(i + 1);
  l.code = "bwpc_" + crypto::base64url_encode(crypto::random(16));
  l.role = e2e::Role::kViewer;
  l.expires_at_ms = 1'790'000'000'123;
  for (std::size_t i = 0; i < 32; ++i) l.agent_public[i] = static_cast<std::uint8_t>(0x40 + i);
  l.secret = crypto::random_secret(32);
  return l;
}

Bytes payload_of(const PairingLink& l) { return crypto::base64url_decode(encode_fragment(l).value()).value(); }
std::string text_of(const Bytes& b) { return crypto::base64url_encode(b); }

void expect_refused(std::string_view text, int code, std::string_view says) {
  auto r = parse_link(text);
  ASSERT_FALSE(r) << text;
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
}

TEST(PairingLink, RoundTripsThroughTheFragmentAndTheLink) {
  const auto l = sample();
  auto link = make_link("https://app.example.com/", l);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->rfind("https://app.example.com/pair#", 0), 0u);
  for (const std::string& text : {link.value(), "  " + link.value() + "\n", encode_fragment(l).value()}) {
    auto back = parse_link(text);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->pairing_id, l.pairing_id);
    EXPECT_EQ(back->code, l.code);
    EXPECT_EQ(back->role, l.role);
    EXPECT_EQ(back->expires_at_ms, l.expires_at_ms);
    EXPECT_EQ(back->agent_public, l.agent_public);
    EXPECT_TRUE(std::equal(back->secret.begin(), back->secret.end(), l.secret.begin(), l.secret.end()));
  }
  EXPECT_EQ(payload_of(l).size(), kLinkPayloadSize);
}

TEST(PairingLink, RefusesAnotherVersionBeforeAnythingElse) {
  auto p = payload_of(sample());
  p[0] = 2;
  expect_refused(text_of(p), kLinkVersion, "version 2");
  p.resize(10);  // a future version may be any length: still a version error
  expect_refused(text_of(p), kLinkVersion, "version 2");
  p[0] = 0;
  expect_refused(text_of(p), kLinkVersion, "version 0");
}

TEST(PairingLink, RefusesWrongLengths) {
  auto p = payload_of(sample());
  auto shorter = p;
  shorter.pop_back();
  expect_refused(text_of(shorter), kLinkMalformed, "106 bytes");
  auto longer = p;
  longer.push_back(0);
  expect_refused(text_of(longer), kLinkMalformed, "106 bytes");
  expect_refused(std::string(400, 'A'), kLinkMalformed, "too long");
}

TEST(PairingLink, RefusesBadFieldValues) {
  const auto p = payload_of(sample());
  auto with = [&](std::size_t off, std::size_t len, std::uint8_t v) {
    auto q = p;
    std::fill(q.begin() + static_cast<long>(off), q.begin() + static_cast<long>(off + len), v);
    return text_of(q);
  };
  expect_refused(with(1, 16, 0), kLinkMalformed, "pairing id");
  expect_refused(with(33, 1, 1), kLinkMalformed, "role");  // owner is never offered
  expect_refused(with(33, 1, 0), kLinkMalformed, "role");
  expect_refused(with(33, 1, 5), kLinkMalformed, "role");
  expect_refused(with(34, 8, 0), kLinkMalformed, "expiry");
  expect_refused(with(34, 8, 0xff), kLinkMalformed, "expiry");
  expect_refused(with(42, 32, 0), kLinkMalformed, "agent key");
}

TEST(PairingLink, RefusesNonCanonicalOrForeignText) {
  const auto frag = encode_fragment(sample()).value();
  expect_refused("", kLinkMalformed, "empty");
  expect_refused("   ", kLinkMalformed, "empty");
  expect_refused(frag + "=", kLinkMalformed, "base64url");
  expect_refused(frag.substr(0, 10) + "+" + frag.substr(11), kLinkMalformed, "base64url");
  expect_refused("https://app.example.com/pair#", kLinkMalformed, "empty");
  expect_refused("https://app.example.com/pair", kLinkMalformed, "no #fragment");
  expect_refused("http://app.example.com/pair#" + frag, kLinkMalformed, "https://");
  expect_refused("https://app.example.com/pair?x=1#" + frag, kLinkMalformed, "query");
  expect_refused("https://app.example.com/other#" + frag, kLinkMalformed, "/pair");
  expect_refused("https://app.example.com/a/pair#" + frag, kLinkMalformed, "/pair");
  expect_refused("https://app.example.com/pair#" + frag + "#x", kLinkMalformed, "base64url");
}

TEST(PairingLink, ErrorsNeverEchoTheSecret) {
  const auto l = sample();
  auto p = payload_of(l);
  p.pop_back();
  auto r = parse_link(text_of(p));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find(text_of(p)), std::string::npos);
}

TEST(PairingLink, EncodeRefusesWhatCannotBeOffered) {
  auto l = sample();
  l.role = e2e::Role::kOwner;
  EXPECT_FALSE(encode_fragment(l));
  l = sample();
  l.code = "bwot_" + l.code.substr(5);
  EXPECT_FALSE(encode_fragment(l));
  l = sample();
  l.secret = crypto::random_secret(16);
  EXPECT_FALSE(encode_fragment(l));
}

}  // namespace
}  // namespace bw::pairing
