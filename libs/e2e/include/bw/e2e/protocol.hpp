// Breakwater end-to-end protocol v1 (DESIGN §3, docs/protocol.md §2–§4): the numbers,
// labels and sizes every implementation must agree on, and the library's error codes.
// Everything in bw::e2e is pure (no I/O, no clock, no randomness it does not take as an
// argument) except where a function says it draws random bytes.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "bw/bytes.hpp"
#include "bw/result.hpp"

namespace bw::e2e {

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kIdSize = 16;
using Id = std::array<std::uint8_t, kIdSize>;

// breakwater.common.v1.Role: the one-byte role of the pairing transcript.
enum class Role : std::uint8_t { kOwner = 1, kAdmin = 2, kMember = 3, kViewer = 4 };
std::optional<Role> role_from_byte(std::uint8_t b);
// The lower (less powerful) of two roles: viewer < member < admin < owner.
Role lower_role(Role a, Role b);

// breakwater.relay.v1.Kind: the envelope's kind byte and the inner message type (stable).
enum class Kind : std::uint8_t {
  kPairClientProof = 1,
  kPairAgentProof = 2,
  kAssertion = 3,
  kPrompt = 4,
  kControl = 5,
  kApprovalRequest = 6,
  kApprovalAnswer = 7,
  kOutput = 8,
  kEvent = 9,
  kAck = 10,
  kClose = 11,
};
std::optional<Kind> kind_from_byte(std::uint8_t b);
std::string_view kind_name(Kind kind);

// Which way a message travels; its label is part of the key schedule.
enum class Direction { kAgentToClient, kClientToAgent };
std::string_view direction_label(Direction d);  // "a2c" or "c2a"
// The direction a kind may travel in; nullopt for kinds that travel both ways (ACK, CLOSE).
std::optional<Direction> kind_direction(Kind kind);
// Whether a role may send this kind from a client (viewer: no PROMPT, CONTROL, APPROVAL_ANSWER).
bool role_may_send(Role role, Kind kind);

// Limits.
inline constexpr std::uint64_t kMaxEpochMessages = std::uint64_t{1} << 24;  // then a new epoch
inline constexpr std::uint64_t kMaxRatchetSteps = 1024;                      // per received message
inline constexpr std::size_t kMaxBody = 1 << 20;                             // 1 MiB of message body
inline constexpr std::size_t kBucket = 256;                                  // padding bucket
inline constexpr std::size_t kBucketLimit = 4096;  // buckets of 256 up to here, then powers of two
inline constexpr std::chrono::minutes kMaxCommandAge{5};  // prompts and control (DESIGN §3)

enum class Errc : int {
  kMalformed = 1,        // bytes that do not parse as the layout says
  kBadVersion = 2,       // envelope version other than 1
  kAuthentication = 3,   // MAC or AEAD tag does not verify
  kReplay = 4,           // (epoch, seq) not newer than what was accepted
  kTooFarAhead = 5,      // more than kMaxRatchetSteps epochs ahead
  kKindMismatch = 6,     // inner type differs from the envelope's kind
  kRoleForbids = 7,      // the pairing's (or assertion's) role may not send this kind
  kTooOld = 8,           // sent_at older than the kind's age limit, or from the future
  kTooLarge = 9,         // body over kMaxBody (or an approval answer over one bucket)
  kInvalidArgument = 10, // a caller passed something out of range
  kCrypto = 11,          // the crypto library failed
  kState = 12,           // the state store failed, or state is missing (re-pair)
  kWrongDirection = 13,  // the kind does not travel this way
};
Error make_error(Errc code, std::string_view detail = {});
inline bool has_code(const Error& e, Errc code) { return e.code == static_cast<int>(code); }

}  // namespace bw::e2e
