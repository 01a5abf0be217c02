// The error codes bw::authcore returns in bw::Error::code. The numbers are stable: the auth
// service maps them to its own API errors and may persist them in audit events. Messages
// name the rule that failed, never the password, code, token or key involved.
#pragma once

#include <string>
#include <utility>

#include "bw/result.hpp"

namespace bw::authcore {

enum class Errc : int {
  kInvalidArgument = 1,     // a parameter outside its documented range (policy, sizes, ids)
  kPasswordTooShort = 2,    // fewer code points than the policy's minimum
  kPasswordTooLong = 3,     // more bytes than kMaxPasswordBytes
  kPasswordInvalid = 4,     // not valid UTF-8, or contains NUL
  kPasswordCommon = 5,      // on the bundled common-password list
  kPasswordIsIdentity = 6,  // equal to the user's login name or e-mail address
  kInvalidEncoding = 7,     // base32 / sealed-secret / token text that is not well-formed
  kUnknownKey = 8,          // a sealed secret names a key id the key ring does not hold
  kAuthenticationFailed = 9,  // a sealed secret did not authenticate (tampered, wrong row)
  kInternal = 10,           // libsodium or OpenSSL failed where it should not (memory)
};

inline Error make_error(Errc code, std::string message) {
  return Error{static_cast<int>(code), std::move(message)};
}

// True when error carries the given authcore code.
inline bool has_code(const Error& error, Errc code) { return error.code == static_cast<int>(code); }

}  // namespace bw::authcore
