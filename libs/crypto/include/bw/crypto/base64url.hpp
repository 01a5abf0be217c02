// base64url (RFC 4648 §5), unpadded, with a strict decoder: every byte string has exactly one
// accepted encoding, so encodings can be compared as text. Encoding and decoding use no
// lookup tables or data-dependent branches on the content (secrets such as pairing keys in a
// link's fragment pass through here); only the length and the error path are observable.
#pragma once

#include <string>
#include <string_view>

#include "bw/bytes.hpp"
#include "bw/result.hpp"

namespace bw::crypto {

// The unpadded base64url text of data ("" for empty data).
std::string base64url_encode(ByteView data);

// The bytes text encodes. Errors (all Errc::kInvalidEncoding): '=' padding, any character
// outside A-Z a-z 0-9 '-' '_', a length of 1 mod 4, or non-zero unused bits in the last
// character (a non-canonical encoding).
Result<Bytes> base64url_decode(std::string_view text);

}  // namespace bw::crypto
