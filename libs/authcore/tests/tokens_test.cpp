// Opaque tokens: prefixes shared with the log redaction, entropy, strict parsing, hashing.
#include "bw/authcore/tokens.hpp"

#include <gtest/gtest.h>

#include <set>

#include "bw/crypto/hex.hpp"

namespace bw::authcore {
namespace {

constexpr TokenKind kAll[] = {TokenKind::kRefresh, TokenKind::kDevice, TokenKind::kOneTime,
                              TokenKind::kPairingCode};

TEST(Tokens, UseTheRedactionPrefixes) {
  // The same list as bw::log::kTokenPrefixes (bwrc_ lives in recovery_codes.hpp).
  EXPECT_EQ(token_prefix(TokenKind::kRefresh), "bwrt_");
  EXPECT_EQ(token_prefix(TokenKind::kDevice), "bwdt_");
  EXPECT_EQ(token_prefix(TokenKind::kOneTime), "bwot_");
  EXPECT_EQ(token_prefix(TokenKind::kPairingCode), "bwpc_");
}

TEST(Tokens, CarryEnoughEntropyAndParseBack) {
  for (TokenKind kind : kAll) {
    EXPECT_GE(token_random_bytes(kind) * 8, kind == TokenKind::kPairingCode ? 80u : 128u);
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
      const auto t = generate_token(kind);
      EXPECT_TRUE(t.starts_with(token_prefix(kind)));
      EXPECT_EQ(t.size(), 5 + (token_random_bytes(kind) * 4 + 2) / 3);
      EXPECT_EQ(parse_token(t), kind) << t;
      seen.insert(t);
    }
    EXPECT_EQ(seen.size(), 50u);
  }
  EXPECT_EQ(generate_token(TokenKind::kRefresh).size(), 48u);  // bwrt_ + 43
}

TEST(Tokens, ParseRefusesJunk) {
  const auto t = generate_token(TokenKind::kRefresh);
  for (const std::string& bad :
       {std::string(""), std::string("bwrt_"), t.substr(0, t.size() - 1), t + "A",
        "bwxx_" + t.substr(5), "BWRT_" + t.substr(5), t.substr(0, 10) + "=" + t.substr(11),
        t.substr(0, 10) + "+" + t.substr(11)}) {
    EXPECT_EQ(parse_token(bad), std::nullopt) << bad;
  }
  // A pairing-code body under a refresh prefix has the wrong length.
  EXPECT_EQ(parse_token("bwrt_" + generate_token(TokenKind::kPairingCode).substr(5)), std::nullopt);
}

TEST(Tokens, HashIsDomainSeparatedSha256AndMatchesOnlyItsToken) {
  const auto t = generate_token(TokenKind::kDevice);
  const auto h = token_hash(t);
  EXPECT_EQ(h, token_hash(t));
  EXPECT_TRUE(token_matches(t, h));
  EXPECT_FALSE(token_matches(generate_token(TokenKind::kDevice), h));
  EXPECT_FALSE(token_matches(t, ByteView(h).first(31)));
  // Known answer: SHA-256("bw-token-v1" || "bwrt_x").
  EXPECT_EQ(crypto::hex_encode(token_hash("bwrt_x")),
            "a959eab7229ef2692067f975f2ca3484ab1e79d2dc714df3d96ed91b25e7c147");
}

}  // namespace
}  // namespace bw::authcore
