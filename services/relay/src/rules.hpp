// The relay's routing rules for one envelope (DESIGN §4), as pure functions of what the
// relay knows: who is connected, the sender's pairings, the clock, the limits.
//
// check_envelope() answers the first rule an envelope breaks, in a fixed order, or kOk.
// The relay never routes on a guess: an envelope is routed only when every rule here holds
// and, afterwards, the atomic Redis step accepts its nonce and the quota allows it.
// Nothing here looks inside the ciphertext.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "breakwater/relay/v1/relay.pb.h"

namespace bw::relay {

using ErrorCode = breakwater::relay::v1::Error::Code;
using breakwater::common::v1::DeviceKind;
using breakwater::common::v1::Role;

inline constexpr std::size_t kIdSize = 16;
inline constexpr std::size_t kHeaderSize = 82;   // DESIGN §3 associated data
inline constexpr std::size_t kProofSize = 32;    // HMAC-SHA256 of a pairing proof
inline constexpr std::size_t kTagSize = 16;      // AES-GCM tag

// Who a connection authenticated as. Ids are raw 16-byte strings.
struct Identity {
  std::string tenant;
  std::string user;
  std::string device;
  DeviceKind kind = breakwater::common::v1::DEVICE_KIND_UNSPECIFIED;
};

// One live pairing of the connected device, seen from its side.
struct PairingView {
  std::string pairing_id;
  std::string peer;         // the other device
  std::string client_user;  // the user who claimed it
  Role role = breakwater::common::v1::ROLE_UNSPECIFIED;  // what the client may do
  bool self_is_client = false;  // the connected device is the pairing's client side
};

struct RuleLimits {
  std::uint32_t max_envelope_bytes = 1024 * 1024 + 4096;  // header + ciphertext
  std::uint32_t max_clock_skew_ms = 120'000;
};

// The fixed-size header of an envelope in bytes (DESIGN §3), as the endpoints rebuild it.
std::size_t envelope_size(const breakwater::relay::v1::Envelope& e);

// Rules in order: MALFORMED (field sizes, kind, shape of pairing proofs), BAD_VERSION,
// SENDER_MISMATCH, TOO_LARGE, CLOCK_SKEW, ROLE_FORBIDS_KIND for the direction (an agent
// sends only agent → client kinds and a client only client → agent kinds), NOT_PAIRED
// (no live pairing with the recipient), ROLE_FORBIDS_KIND for a viewer's prompt, control
// or approval answer. `pairing` is the sender's live pairing with e.recipient(), if any.
ErrorCode check_envelope(const Identity& sender, const breakwater::relay::v1::Envelope& e,
                         const PairingView* pairing, std::int64_t now_ms, const RuleLimits& limits);

// True for the kinds a device of this kind may send.
bool direction_allows(DeviceKind sender, breakwater::relay::v1::Kind kind);
// True when a client with this pairing role may send kind.
bool role_allows(Role role, breakwater::relay::v1::Kind kind);

// Stable, lower-case names of error codes for metric labels and logs ("not_paired").
const char* code_name(ErrorCode code);

}  // namespace bw::relay
