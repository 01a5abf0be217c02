// The messages the relay publishes on a device's channel (bw:{d:<device>}:ch), as short
// ASCII lines (documented in docs/operations.md, "The relay's state in Redis"):
//
//   entry <ms>-<seq>                               a new mailbox entry at that offset
//   mail <ms>-<seq> <prev ms>-<prev seq> <bytes>   a new mailbox entry with its envelope
//                                                  (binary, to the end of the message);
//                                                  prev is the newest entry the mailbox
//                                                  held before it (0-0: none)
//   presence <device hex> online|offline <since>   a paired device's presence changed
//   kick <connection id>                           that connection now holds the device;
//                                                  any other connection of it must go away
//
// Guarantees: decode_channel_message() accepts exactly what encode() produces (single
// spaces, canonical numbers, lowercase hex, at most kMaxChannelMessage bytes — for `mail`,
// a non-empty envelope of at most kMaxInlineEnvelope bytes after its header) and returns
// nullopt for anything else — unknown verbs included — so a newer pod's message is
// ignored, never misread. Pure: no Redis, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "redis/offset.hpp"
#include "redis/relay_keys.hpp"

namespace bw::relay::redis {

inline constexpr std::size_t kMaxChannelMessage = 160;
// The largest envelope a `mail` message carries; a larger one is announced by `entry` and
// read from the mailbox.
inline constexpr std::size_t kMaxInlineEnvelope = 16 * 1024;

struct NewEntry {
  Offset offset;
  bool operator==(const NewEntry&) const = default;
};

// A new entry with its envelope: the pod holding the recipient delivers it without reading
// the mailbox when it has delivered `previous` (or anything later) on that connection.
struct NewMail {
  Offset offset;
  Offset previous;       // {0, 0} when the mailbox was empty
  std::string envelope;  // 1..kMaxInlineEnvelope bytes
  bool operator==(const NewMail&) const = default;
};

struct PresenceChange {
  DeviceId device{};
  bool online = false;
  std::uint64_t since_ms = 0;
  bool operator==(const PresenceChange&) const = default;
};

struct Kick {
  std::string connection_id;  // the new owner (is_valid_token)
  bool operator==(const Kick&) const = default;
};

using ChannelMessage = std::variant<NewEntry, NewMail, PresenceChange, Kick>;

// The line for `message`. Precondition for Kick: is_valid_token(connection_id).
std::string encode_channel_message(const ChannelMessage& message);

std::optional<ChannelMessage> decode_channel_message(std::string_view text);

}  // namespace bw::relay::redis
