// Opaque bearer credentials: refresh tokens, device tokens, pairing codes and one-time
// bootstrap credentials. Recovery codes (bwrc_) have their own format: recovery_codes.hpp.
//
// Shape: <prefix><base64url of N random bytes>, e.g. "bwrt_" + 43 characters. The prefixes
// are the ones the log redaction lists (bw::log::kTokenPrefixes), so a token pasted anywhere
// in a log line is hidden, and a token's kind is visible to a human and to secret scanners.
//   kind          prefix  random bytes  bits
//   refresh       bwrt_   32            256
//   device        bwdt_   32            256
//   one-time      bwot_   32            256
//   pairing code  bwpc_   16            128   (>= 80 required; shorter to read aloud/paste)
//
// At rest only token_hash() is stored: SHA-256("bw-token-v1" || token text). Why not
// HMAC with a server pepper: the tokens are uniformly random with >= 128 bits, so a leaked
// table of hashes cannot be inverted or searched; a pepper would protect nothing more and
// would be one more key whose loss or rotation revokes every device at once. A lookup finds
// the row by hash (an index), then confirms it with token_matches(), which compares in
// constant time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "bw/bytes.hpp"
#include "bw/crypto/sha256.hpp"

namespace bw::authcore {

enum class TokenKind { kRefresh, kDevice, kOneTime, kPairingCode };

std::string_view token_prefix(TokenKind kind);
std::size_t token_random_bytes(TokenKind kind);

// A fresh token of kind.
std::string generate_token(TokenKind kind);

// The kind of token if it has exactly the shape above (prefix, then the canonical base64url
// of the right number of bytes), else nullopt. Cheap; use it to refuse junk before a lookup.
[[nodiscard]] std::optional<TokenKind> parse_token(std::string_view token);

// The at-rest hash of a token (see the file comment).
crypto::Sha256Digest token_hash(std::string_view token);

// True if token hashes to stored (32 bytes), compared in constant time.
[[nodiscard]] bool token_matches(std::string_view token, ByteView stored);

}  // namespace bw::authcore
