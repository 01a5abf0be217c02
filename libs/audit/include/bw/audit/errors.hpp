// The error codes bw::audit returns in bw::Error::code. The numbers are stable: the audit
// service maps them to gRPC codes (kInvalidArgument, kMalformed, kInvalidEvent →
// INVALID_ARGUMENT; kSource → UNAVAILABLE or whatever the source's own error says; kCrypto →
// INTERNAL). Errors a LeafHashSource returns are passed through unchanged, with its own code.
#pragma once

#include <string>
#include <utility>

#include "bw/result.hpp"

namespace bw::audit {

enum class Errc : int {
  kInvalidArgument = 1,  // a proof or range request out of range (index ≥ size, size1 > size2…)
  kSource = 2,           // the leaf-hash source answered with the wrong number of hashes
  kMalformed = 3,        // bytes that are not a canonical event encoding (layout, version)
  kInvalidEvent = 4,     // an event field outside its documented limits (event.hpp)
  kCrypto = 5,           // signing failed (seed not 32 bytes, OpenSSL failure)
};

inline Error make_error(Errc code, std::string message) {
  return Error{static_cast<int>(code), std::move(message)};
}

// True when error carries the given audit code.
inline bool has_code(const Error& error, Errc code) { return error.code == static_cast<int>(code); }

}  // namespace bw::audit
