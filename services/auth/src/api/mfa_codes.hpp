// The second factor as the handlers use it (mfa.cpp for enrolment and management,
// sessions.cpp for the login step): TOTP secrets sealed at rest, one-time TOTP codes and
// recovery codes.
//
// Guarantees:
//  - a TOTP secret is stored only sealed (authcore/sealed_secret.hpp) under the KEK of
//    ApiDeps::kek, bound to SealContext{tenant id hex, user id hex, "totp"}: a sealed value
//    copied to another user's row does not open;
//  - a TOTP code is accepted for the current 30 s step or one either side, and only if the
//    store records its step as later than every step used before (Store::use_totp_step,
//    one conditional UPDATE): a code works once, even under parallel requests, and an
//    older code stops working once a newer one was used;
//  - recovery codes are stored as salted SHA-256 hashes (authcore/recovery_codes.hpp); the
//    per-user salt is the tenant id followed by the user id (random, unique and never
//    reused, so no salt column is needed); Store::use_recovery_code spends one atomically.
// No function here logs a secret or a code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/core.hpp"
#include "bw/crypto/secret_bytes.hpp"

namespace bw::auth::api::mfa {

inline constexpr std::string_view kSealPurpose = "totp";
// The issuer authenticator apps show beside the account (otpauth URI).
inline constexpr std::string_view kOtpIssuer = "Breakwater";

// The user's secret sealed under the current KEK, as the store keeps it (text form, as bytes).
Result<Bytes> seal_totp_secret(const authcore::KeyRing& kek, const store::User& user, ByteView secret);
// The secret sealed for this user. Errors as authcore::open_secret (wrong KEK, another row).
Result<crypto::SecretBytes> open_totp_secret(const authcore::KeyRing& kek, const store::User& user, ByteView sealed);

enum class CodeCheck {
  kAccepted,
  kWrong,        // not the code of an accepted step (or malformed)
  kReused,       // right code, but its step (or a later one) was already used
  kUnavailable,  // the store or the KEK failed: answer 503, never accept
};
// A stable metric label for a refusal ("wrong_code", "reused_code", "mfa_unavailable").
std::string_view check_label(CodeCheck check);

// Checks a TOTP code against the user's *stored* sealed secret (enabled or pending) at the
// core's clock and spends its step. kUnavailable when there is no secret to check against
// is the caller's business: it passes the record it already read.
CodeCheck use_totp_code(const ApiCore& core, const store::User& user, const store::TotpSecret& stored,
                        std::string_view code);

// Spends one of the user's recovery codes (input in any form normalize_recovery_code reads).
CodeCheck use_recovery_code(const ApiCore& core, const store::User& user, std::string_view code);

// kRecoveryCodeCount fresh codes (display form) stored hashed in place of the user's old
// ones. Errors: the store's.
Result<std::vector<std::string>> renew_recovery_codes(const ApiCore& core, const store::User& user);

}  // namespace bw::auth::api::mfa
