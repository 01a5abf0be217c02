// The redaction rule: what may never reach a log line.
//
// Two independent checks, so a secret is stopped even when it arrives under an innocent
// field name: (1) field names that denote secrets (token, password, secret, key, cookie,
// authorization, otp, seed, ...) have their value replaced whatever it is; (2) any value
// that looks like a credential (a JWT, a Breakwater token with its `bw..._` prefix, a
// bearer header, PEM key material) is replaced wherever it appears, including inside the
// event text. The replacement is the fixed string kRedacted.
#pragma once

#include <string>
#include <string_view>

namespace bw::log {

inline constexpr std::string_view kRedacted = "[redacted]";

// Prefixes of every opaque credential Breakwater issues; a value containing one is secret.
// (device token, refresh token, pairing code, recovery code, one-time bootstrap credential)
inline constexpr std::string_view kTokenPrefixes[] = {"bwdt_", "bwrt_", "bwpc_", "bwrc_", "bwot_"};

// True if a field of this name must never be printed (case-insensitive).
bool is_secret_field(std::string_view key);

// True if the value itself looks like a credential.
bool looks_secret(std::string_view value);

// The value as it may be printed: unchanged, or kRedacted.
std::string redact(std::string_view key, std::string_view value);

}  // namespace bw::log
