// Time-ordered 16-byte ids in the UUIDv7 layout (RFC 9562 §5.7): 48-bit big-endian Unix
// milliseconds, the version nibble 7, 12 random bits, the variant bits 10, 62 random bits.
//
// Why: an id used as a B-tree key (the audit log's event ids) lands next to the ids made
// just before it, so a batch of inserts touches a few pages at the end of the index instead
// of one random page per id. 74 random bits remain, so ids made in the same millisecond
// still do not collide in practice; the id reveals its creation time to the millisecond.
// Pure: the caller supplies the time and the randomness (header-only, like bw_common).
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace bw {

using TimeOrderedId = std::array<std::uint8_t, 16>;

// The id for `unix_ms` (only its low 48 bits are kept) with 10 bytes of `random` (of which
// 74 bits are used).
inline TimeOrderedId time_ordered_id(std::uint64_t unix_ms, std::span<const std::uint8_t, 10> random) {
  TimeOrderedId id{};
  for (int i = 0; i < 6; ++i) id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(unix_ms >> (40 - 8 * i));
  for (std::size_t i = 0; i < 10; ++i) id[6 + i] = random[i];
  id[6] = static_cast<std::uint8_t>(0x70 | (id[6] & 0x0f));  // version 7
  id[8] = static_cast<std::uint8_t>(0x80 | (id[8] & 0x3f));  // variant 10
  return id;
}

}  // namespace bw
