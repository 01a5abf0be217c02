// Redis-Cluster-safe key names (DESIGN §4).
//
// Every key one atomic step touches must live in one hash slot, so keys are built as
//   bw:{<kind>:<id>}:<suffix>      e.g. bw:{d:3fa9…}:mbox, bw:{d:3fa9…}:n:<nonce>
// and Redis Cluster hashes only the text between the first '{' and the next '}'.
// Guarantee: no id or suffix can move a key to another slot or forge another owner's tag —
// parts containing '{', '}', whitespace or control characters are rejected, never escaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bw/result.hpp"

namespace bw::redis {

inline constexpr std::uint16_t kHashSlots = 16384;

// True when `part` is non-empty and has no '{', '}', whitespace or control character
// (bytes < 0x20 and 0x7f). Other bytes, ':' included, are allowed.
bool is_valid_key_part(std::string_view part);

// "bw:{<kind>:<id>}:<suffix>". Error kInvalidArgument when a part is invalid (see above)
// or kind contains ':'.
Result<std::string> tagged_key(std::string_view kind, std::string_view id,
                               std::string_view suffix);

// "bw:{d:<device>}:<suffix>" — everything about one device (mailbox, nonces, channel).
Result<std::string> device_key(std::string_view device_id_hex, std::string_view suffix);

// "bw:{t:<tenant>}:<suffix>" — everything about one tenant.
Result<std::string> tenant_key(std::string_view tenant_id, std::string_view suffix);

// The Redis Cluster slot of a key: CRC16/XMODEM of the hash tag (the bytes between the first
// '{' and the first '}' after it, when that is non-empty) or of the whole key, mod 16384.
std::uint16_t hash_slot(std::string_view key);

}  // namespace bw::redis
