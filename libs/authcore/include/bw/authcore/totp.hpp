// TOTP (RFC 6238) over HOTP (RFC 4226) with HMAC-SHA-1, as DESIGN §2 fixes it: 20-byte
// secrets, 6 digits, 30-second steps, one step of clock skew either way.
//
// Guarantees:
//  - verify() accepts only a code of exactly `digits` ASCII digits; it compares against
//    every step in the window in constant time and without stopping at a match, so time
//    does not tell which step (or whether any) matched;
//  - it returns the matched time step, not a boolean: the caller must record that step as
//    used (the rate-limit service's one-time counter) and refuse the same step again.
//    One-time use is not enforced here because it needs shared state;
//  - time is a parameter (Unix seconds): nothing here reads a clock.
// SHA-1 is what every authenticator app implements for TOTP; HMAC-SHA-1 has no known
// weakness that matters here (collisions in SHA-1 do not give HMAC forgeries).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bw/bytes.hpp"
#include "bw/crypto/secret_bytes.hpp"
#include "bw/result.hpp"

namespace bw::authcore {

inline constexpr std::size_t kTotpSecretSize = 20;  // 160 bits, RFC 4226's recommendation

struct TotpParams {
  int digits = 6;               // 6..8
  std::int64_t step_seconds = 30;
  int window = 1;               // steps accepted either side of the current one (0..2)
};

// A fresh random 20-byte secret.
crypto::SecretBytes generate_totp_secret();

// The HOTP value of secret at counter, as exactly `digits` digits with leading zeros.
// digits outside 6..8 are treated as 6 (verify_totp and otpauth_uri refuse them instead).
std::string hotp(ByteView secret, std::uint64_t counter, int digits = 6);

// The TOTP code at unix_time: hotp(secret, unix_time / step_seconds, digits). A negative time
// is treated as 0 and a step_seconds <= 0 as 30 (this is the code generator for tests and
// tools; verify_totp refuses such input).
std::string totp(ByteView secret, std::int64_t unix_time, const TotpParams& params = {});

// The time step (unix_time / step_seconds + k, |k| <= window) whose code equals code, or
// nullopt if none does, the code is malformed, unix_time is negative or params are out of
// range. Steps below zero are never tried.
[[nodiscard]] std::optional<std::int64_t> verify_totp(ByteView secret, std::string_view code,
                                                      std::int64_t unix_time,
                                                      const TotpParams& params = {});

// The enrolment URI authenticator apps read from a QR code:
//   otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30
// issuer and account are percent-encoded (everything but RFC 3986 unreserved characters).
// Errors: Errc::kInvalidArgument if issuer or account is empty or contains ':' (the label
// separator, which apps do not decode consistently), or params are out of range.
Result<std::string> otpauth_uri(std::string_view issuer, std::string_view account,
                                ByteView secret, const TotpParams& params = {});

// RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - . _ ~) stay, every other
// byte becomes %XX with uppercase hex.
std::string percent_encode(std::string_view text);

}  // namespace bw::authcore
