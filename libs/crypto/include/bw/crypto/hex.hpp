// Hexadecimal encoding for public values (test vectors, key fingerprints in logs). Not
// constant-time: do not pass secrets through it.
#pragma once

#include <string>
#include <string_view>

#include "bw/bytes.hpp"
#include "bw/result.hpp"

namespace bw::crypto {

// Lowercase hex of data.
std::string hex_encode(ByteView data);

// The bytes of text; upper- and lowercase digits are accepted. Errors: Errc::kInvalidEncoding
// for an odd length or a character that is not a hex digit.
Result<Bytes> hex_decode(std::string_view text);

}  // namespace bw::crypto
