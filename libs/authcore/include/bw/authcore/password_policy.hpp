// The rules a new password must pass (sign-up, password change, operator reset). Verifying an
// existing password never applies them: a stored hash stays valid whatever the policy says.
//
// Guarantees, in the order checked (the first failure is returned):
//  - at most kMaxPasswordBytes bytes (kPasswordTooLong);
//  - valid UTF-8 (shortest forms, no surrogates, nothing past U+10FFFF) without NUL
//    (kPasswordInvalid). NUL is refused because C-string interfaces (the argon2 CLI, PAM,
//    some form encoders) truncate at it, so such a password could not be typed everywhere;
//  - at least min_code_points Unicode code points (kPasswordTooShort): "é" counts once,
//    whatever its byte length. No Unicode normalisation is applied (NIST SP 800-63B
//    suggests NFKC; we hash the bytes as typed and say so in the README);
//  - not equal, ignoring ASCII case, to the login name, the e-mail address or its local
//    part (kPasswordIsIdentity);
//  - not on the bundled common-password list, ignoring ASCII case (kPasswordCommon). The
//    list (data/common-passwords.txt) is zxcvbn's 30,000 most common passwords (MIT), see
//    data/README.md.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "bw/authcore/password_hash.hpp"
#include "bw/result.hpp"

namespace bw::authcore {

inline constexpr std::size_t kMinPasswordCodePoints = 12;

struct PasswordPolicy {
  std::size_t min_code_points = kMinPasswordCodePoints;  // may be raised, never below 12
};

// The identities of the account a password is for; empty fields are ignored.
struct PasswordIdentity {
  std::string_view login;
  std::string_view email;
};

// Ok, or the first rule that fails (see the file comment). Errors: the kPassword* codes;
// kInvalidArgument if policy.min_code_points is below kMinPasswordCodePoints.
Status check_new_password(std::string_view password, const PasswordIdentity& identity,
                          const PasswordPolicy& policy = {});

// The number of code points in text, or kPasswordInvalid if it is not valid UTF-8.
Result<std::size_t> count_code_points(std::string_view text);

// True if password, lowercased (ASCII only), is on the bundled list.
[[nodiscard]] bool is_common_password(std::string_view password);

// The number of entries in the bundled list (for tests and the service's start-up log).
std::size_t common_password_count();

}  // namespace bw::authcore
