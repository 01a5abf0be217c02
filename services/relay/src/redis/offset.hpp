// Offset: a position in a recipient's mailbox, i.e. a Redis stream entry id `<ms>-<seq>`
// carried as two integers (relay.proto MailboxOffset).
//
// Guarantees: offsets compare as the pair (ms, seq); (0, 0) is "before the first entry";
// parse_offset() accepts exactly the canonical text Redis produces (decimal digits, no sign,
// no leading zeros, each half fitting 64 bits) and nothing else, so to_stream_id() and
// parse_offset() round-trip. Pure: no Redis, no I/O.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bw::relay::redis {

struct Offset {
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;

  auto operator<=>(const Offset&) const = default;
  bool is_zero() const { return ms == 0 && seq == 0; }
};

// "<ms>-<seq>", the Redis stream id.
std::string to_stream_id(Offset offset);

// The offset of a canonical stream id; nullopt for anything else ("", "1", "1-", "01-2",
// "+1-2", "1-2 ", "18446744073709551616-0", ...).
std::optional<Offset> parse_offset(std::string_view text);

// The smallest offset greater than `offset`; nullopt for the largest possible offset.
std::optional<Offset> next_offset(Offset offset);

// The largest offset smaller than `offset`; nullopt for (0, 0).
std::optional<Offset> previous_offset(Offset offset);

}  // namespace bw::relay::redis
