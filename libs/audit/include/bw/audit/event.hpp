// One audit event (audit.proto's Event) and its CANONICAL byte encoding: the bytes that
// become the event's Merkle leaf (leaf hash = SHA-256(0x00 ‖ encoding)). Exactly one
// encoding exists per valid event, so a verifier can re-derive a leaf from an event, and
// decode(b) succeeds only for bytes that encode() produces: decode(b) = e ⇒ encode(e) = b.
//
// Encoding, version 1 (all integers unsigned big-endian; "len16" is a 2-byte length):
//   version        1 byte, 0x01
//   event_id       16 bytes
//   tenant         16 bytes
//   time_ms        8 bytes, Unix milliseconds
//   actor_kind     1 byte (ActorKind)
//   actor_id       len16 ‖ bytes
//   actor_name     len16 ‖ UTF-8
//   action         len16 ‖ ASCII
//   target_type    len16 ‖ ASCII
//   target_id      len16 ‖ bytes
//   result         1 byte (Outcome)
//   source_address len16 ‖ bytes
//   attributes     count16 ‖ count × (len16 ‖ key ‖ len16 ‖ value), keys in strictly
//                  increasing bytewise order (so no key twice)
//   producer       len16 ‖ ASCII
// Nothing follows. Every field is present (an empty field is its zero length).
//
// Limits (validate(); encode refuses and decode rejects an event outside them):
//   time_ms        ≤ kMaxTimeMs (9999-12-31T23:59:59.999Z, protobuf Timestamp's maximum)
//   actor_kind     1..4 (USER, DEVICE, SERVICE, ANONYMOUS; not UNSPECIFIED)
//   actor_id       16 bytes for USER and DEVICE, empty for SERVICE and ANONYMOUS
//   actor_name     1..64 bytes of text for SERVICE, empty otherwise
//   action         1..64 characters of [a-z0-9._]
//   target_type    0..32 characters of [a-z0-9._]; not empty when target_id is set
//   target_id      0..64 bytes
//   result         1..3 (SUCCESS, FAILURE, DENIED; not UNSPECIFIED)
//   source_address 0 or 16 bytes (IPv6; IPv4 as ::ffff:a.b.c.d)
//   attributes     ≤ 16; key 1..64 characters of [a-z0-9._]; value 0..256 bytes of text
//   producer       1..32 characters of [a-z0-9._]
// "Text" is valid UTF-8 (shortest form, no surrogates, ≤ U+10FFFF) without control
// characters (U+0000–U+001F, U+007F–U+009F). Ids and addresses are opaque bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "bw/audit/merkle.hpp"
#include "bw/bytes.hpp"
#include "bw/result.hpp"

namespace bw::audit {

inline constexpr std::uint8_t kEventEncodingVersion = 1;
inline constexpr std::uint64_t kMaxTimeMs = 253'402'300'799'999;
inline constexpr std::size_t kIdSize = 16;
inline constexpr std::size_t kMaxActorName = 64;
inline constexpr std::size_t kMaxAction = 64;
inline constexpr std::size_t kMaxTargetType = 32;
inline constexpr std::size_t kMaxTargetId = 64;
inline constexpr std::size_t kAddressSize = 16;
inline constexpr std::size_t kMaxAttributes = 16;
inline constexpr std::size_t kMaxAttributeKey = 64;
inline constexpr std::size_t kMaxAttributeValue = 256;
inline constexpr std::size_t kMaxProducer = 32;
// A bound on valid encodings (it counts actor id and name both; no valid event has both);
// decode rejects longer input before parsing it. docs/protocol.md §8.1 quotes it: 5,531.
inline constexpr std::size_t kMaxEncodedEvent = 1 + 2 * kIdSize + 8 + 1 + (2 + kIdSize) + (2 + kMaxActorName) +
                                                (2 + kMaxAction) + (2 + kMaxTargetType) + (2 + kMaxTargetId) + 1 +
                                                (2 + kAddressSize) + 2 +
                                                kMaxAttributes * (4 + kMaxAttributeKey + kMaxAttributeValue) +
                                                (2 + kMaxProducer);

using Id = std::array<std::uint8_t, kIdSize>;

// audit.proto's Actor.Kind, same numbers.
enum class ActorKind : std::uint8_t { kUnspecified = 0, kUser = 1, kDevice = 2, kService = 3, kAnonymous = 4 };
// audit.proto's Result, same numbers.
enum class Outcome : std::uint8_t { kUnspecified = 0, kSuccess = 1, kFailure = 2, kDenied = 3 };

struct Event {
  Id event_id{};  // chosen by the producer; Append's idempotency key
  Id tenant{};
  std::uint64_t time_ms = 0;  // when it happened, producer's clock, Unix ms
  ActorKind actor_kind = ActorKind::kUnspecified;
  Bytes actor_id;          // user or device id
  std::string actor_name;  // SERVICE's name
  std::string action;      // e.g. "auth.login"
  std::string target_type;
  Bytes target_id;
  Outcome result = Outcome::kUnspecified;
  Bytes source_address;                           // empty or 16 bytes
  std::map<std::string, std::string> attributes;  // sorted by key as the encoding wants
  std::string producer;                           // e.g. "auth"

  friend bool operator==(const Event&, const Event&) = default;
};

// Ok, or Errc::kInvalidEvent with a message naming the field and the limit it breaks (fit
// for an INVALID_ARGUMENT answer to the producer). Checks every limit above.
Status validate(const Event& event);

// The canonical encoding. Errors: validate()'s, for an event outside the limits.
Result<Bytes> encode_event(const Event& event);

// The event bytes encode. Errors: Errc::kMalformed for bytes that do not follow the layout
// (wrong version, truncated, trailing bytes, unsorted or repeated keys, over kMaxEncodedEvent)
// and Errc::kInvalidEvent for a well-formed event outside the limits; messages name the field.
Result<Event> decode_event(ByteView bytes);

// True if text is valid UTF-8 without control characters (the "text" rule above).
bool is_clean_text(std::string_view text);

}  // namespace bw::audit
