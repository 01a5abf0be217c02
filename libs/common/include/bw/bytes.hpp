// Byte-string vocabulary: owned Bytes, borrowed ByteView, and conversions from text.
// Kept tiny and header-only so every library can use it without a link dependency.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bw {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// The bytes of a string, unchanged (no encoding step).
inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline Bytes to_bytes(std::string_view s) {
  auto v = as_bytes(s);
  return {v.begin(), v.end()};
}

inline std::string to_string(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Appends every view to out, in order (for transcripts and wire layouts).
inline void append(Bytes& out, ByteView part) { out.insert(out.end(), part.begin(), part.end()); }

}  // namespace bw
