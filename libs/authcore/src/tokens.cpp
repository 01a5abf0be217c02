// Opaque tokens: see tokens.hpp.
#include "bw/authcore/tokens.hpp"

#include <array>

#include "bw/crypto/base64url.hpp"
#include "bw/crypto/constant_time.hpp"
#include "bw/crypto/random.hpp"

namespace bw::authcore {
namespace {

constexpr std::string_view kDomain = "bw-token-v1";
constexpr std::array<TokenKind, 4> kKinds = {TokenKind::kRefresh, TokenKind::kDevice,
                                              TokenKind::kOneTime, TokenKind::kPairingCode};

}  // namespace

std::string_view token_prefix(TokenKind kind) {
  switch (kind) {
    case TokenKind::kRefresh: return "bwrt_";
    case TokenKind::kDevice: return "bwdt_";
    case TokenKind::kOneTime: return "bwot_";
    case TokenKind::kPairingCode: return "bwpc_";
  }
  return "bwot_";
}

std::size_t token_random_bytes(TokenKind kind) {
  return kind == TokenKind::kPairingCode ? 16 : 32;
}

std::string generate_token(TokenKind kind) {
  auto raw = crypto::random_secret(token_random_bytes(kind));
  return std::string(token_prefix(kind)) + crypto::base64url_encode(raw.view());
}

std::optional<TokenKind> parse_token(std::string_view token) {
  for (TokenKind kind : kKinds) {
    const auto prefix = token_prefix(kind);
    if (!token.starts_with(prefix)) continue;
    const auto body = token.substr(prefix.size());
    const std::size_t n = token_random_bytes(kind);
    if (body.size() != (n * 4 + 2) / 3) return std::nullopt;
    auto decoded = crypto::base64url_decode(body);  // strict: one text per byte string
    if (!decoded || decoded->size() != n) return std::nullopt;
    return kind;
  }
  return std::nullopt;
}

crypto::Sha256Digest token_hash(std::string_view token) {
  crypto::Sha256 h;
  h.update(as_bytes(kDomain)).update(as_bytes(token));
  return h.finish();
}

bool token_matches(std::string_view token, ByteView stored) {
  const auto digest = token_hash(token);
  return crypto::constant_time_equal(digest, stored);
}

}  // namespace bw::authcore
