// Pure helpers of the device authorization grant (RFC 8628) and of device names: no store,
// no HTTP, so they are tested on their own.
//
// User codes: 8 letters drawn uniformly (rejection sampling) from a 20-letter alphabet
// without vowels or look-alikes (BCDFGHJKLMNPQRSTVWXZ: no 0/O, 1/I/L confusion, no words),
// 20^8 ≈ 2^34.6 codes. Canonical form: the 8 upper-case letters (what the store keeps);
// display form: XXXX-XXXX. Input is case-insensitive and ignores '-' and spaces.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bw/result.hpp"

namespace bw::auth::api::detail {

inline constexpr std::string_view kUserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ";
inline constexpr std::size_t kUserCodeLength = 8;

// A fresh user code in canonical form (8 letters, no dash).
std::string generate_user_code();
// "BCDFGHJK" → "BCDF-GHJK".
std::string display_user_code(std::string_view canonical);
// What a user typed → the canonical form, or nullopt when it cannot be a user code
// (after dropping '-' and spaces and upper-casing: exactly 8 letters of the alphabet).
std::optional<std::string> normalize_user_code(std::string_view typed);

// A device name: 1..64 bytes of UTF-8 (the JSON parser has checked the encoding) without
// control characters, not starting or ending with a space.
bool valid_device_name(std::string_view name);
// The message of a 400 for a name valid_device_name refuses.
inline constexpr std::string_view kDeviceNameRule =
    "name: 1 to 64 characters, no control characters, no leading or trailing space";
// The `name` of a request body that holds only {name}; the Error's message is what a 400
// says (it names the field, never the value).
Result<std::string> parse_device_name_body(std::string_view body);

}  // namespace bw::auth::api::detail
