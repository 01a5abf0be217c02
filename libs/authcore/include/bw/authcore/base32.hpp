// Base32 (RFC 4648 §6, alphabet A-Z 2-7) without padding, as authenticator apps expect TOTP
// secrets. The decoder is strict, so each byte string has exactly one accepted text:
// uppercase only, no '=', no spaces, a length that a whole number of bytes can produce
// (not 1, 3 or 6 mod 8) and zero unused bits in the last character.
#pragma once

#include <string>
#include <string_view>

#include "bw/bytes.hpp"
#include "bw/crypto/secret_bytes.hpp"
#include "bw/result.hpp"

namespace bw::authcore {

// The unpadded base32 text of data.
std::string base32_encode(ByteView data);

// The bytes text encodes, in a SecretBytes (what it decodes is a TOTP secret).
// Errors: Errc::kInvalidEncoding for anything the file comment rules out.
Result<crypto::SecretBytes> base32_decode(std::string_view text);

}  // namespace bw::authcore
