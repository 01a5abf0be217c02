// JWS compact serialization (RFC 7515 §7.1) below the JWT policy: splitting a token into its
// strictly decoded parts, the header policy, and signing arbitrary header/payload bytes.
// Internal: verify() in jwt.cpp is the only caller that accepts tokens; tests use
// sign_compact() to build hostile tokens and the RFC 8037 example.
#pragma once

#include <string>
#include <string_view>

#include "bw/bytes.hpp"
#include "bw/jwt/key_set.hpp"
#include "bw/result.hpp"

namespace bw::jwt::detail {

struct JwsParts {
  std::string_view signing_input;  // "<header b64>.<payload b64>", a view into the token
  Bytes header;
  Bytes payload;
  Bytes signature;
};

// The decoded parts of token. Errors: kTooLarge above kMaxTokenSize; kMalformed unless there
// are exactly three parts, each strict unpadded base64url (header and payload non-empty).
Result<JwsParts> split_compact(std::string_view token);

// The kid of a header that passes the policy in jwt.hpp (step 2). Errors: kMalformed,
// kDuplicateKey, kBadAlg, kForbiddenHeader, kBadType, kInvalidKid.
Result<std::string> check_header(ByteView header_json);

// "<b64(header_json)>.<b64(payload)>.<b64(Ed25519 signature)>". Errors: kInternal.
Result<std::string> sign_compact(const SigningKey& key, std::string_view header_json,
                                 ByteView payload);

}  // namespace bw::jwt::detail
