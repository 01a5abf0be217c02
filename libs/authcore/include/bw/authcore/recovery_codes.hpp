// MFA recovery codes: shown once at enrolment, stored only as salted SHA-256 hashes, each
// usable once (the caller deletes or marks the matched hash).
//
// Shape: "bwrc_XXXX-XXXX-XXXX-XXXX", 16 characters from Crockford's base32 alphabet
// (0-9 A-Z without I L O U), so 80 random bits per code. The bwrc_ prefix is the one the log
// redaction recognises (libs/log), so a code pasted into a log line is hidden.
// Input is normalised before hashing: the prefix is optional, case is ignored, spaces and
// dashes are dropped, and Crockford's look-alikes are read as digits (O -> 0, I and L -> 1).
//
// Why SHA-256 and not Argon2id: each code has 80 bits of entropy, so a stolen hash table
// cannot be searched (2^80 SHA-256 evaluations per code); a slow hash only buys time against
// low-entropy secrets such as passwords, and would cost ~10 Argon2id runs per attempt. The
// per-user salt (kRecoverySaltSize random bytes) stops one precomputation from covering
// every user.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bw/bytes.hpp"
#include "bw/crypto/sha256.hpp"
#include "bw/result.hpp"

namespace bw::authcore {

inline constexpr std::size_t kRecoveryCodeCount = 10;
inline constexpr std::size_t kRecoveryCodeChars = 16;   // 16 x 5 bits = 80 bits
inline constexpr std::size_t kRecoverySaltSize = 16;
inline constexpr std::string_view kRecoveryPrefix = "bwrc_";

// count fresh codes in display form ("bwrc_XXXX-XXXX-XXXX-XXXX").
std::vector<std::string> generate_recovery_codes(std::size_t count = kRecoveryCodeCount);

// A fresh per-user salt, stored beside the hashes (it is not secret).
Bytes generate_recovery_salt();

// The 16 canonical characters of input (see the file comment), or Errc::kInvalidEncoding if
// it is not a recovery code once normalised.
Result<std::string> normalize_recovery_code(std::string_view input);

// SHA-256("bw-recovery-v1" || salt || normalised code). Errors as normalize_recovery_code.
Result<crypto::Sha256Digest> hash_recovery_code(ByteView salt, std::string_view input);

// The index of the stored hash that input matches, or nullopt. Every stored hash is compared
// in constant time, without stopping at a match.
[[nodiscard]] std::optional<std::size_t> match_recovery_code(
    ByteView salt, std::string_view input, std::span<const crypto::Sha256Digest> stored);

}  // namespace bw::authcore
