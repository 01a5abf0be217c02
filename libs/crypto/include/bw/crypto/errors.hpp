// The error codes bw::crypto returns in bw::Error::code. The numbers are stable: callers may
// persist or compare them. Messages name the operation and the reason, never key material.
#pragma once

#include <string>
#include <utility>

#include "bw/result.hpp"

namespace bw::crypto {

enum class Errc : int {
  kInvalidArgument = 1,       // wrong key/IV/tag/signature length, size out of range
  kAuthenticationFailed = 2,  // AEAD tag did not verify: the message is not authentic
  kZeroSharedSecret = 3,      // X25519 produced the all-zero secret (low-order peer key)
  kInvalidEncoding = 4,       // base64url/hex text that is not strictly well-formed
  kInternal = 5,              // OpenSSL failed where it should not (allocation, provider)
};

inline Error make_error(Errc code, std::string message) {
  return Error{static_cast<int>(code), std::move(message)};
}

// True when error carries the given crypto code.
inline bool has_code(const Error& error, Errc code) { return error.code == static_cast<int>(code); }

}  // namespace bw::crypto
