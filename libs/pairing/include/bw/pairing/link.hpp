// The pairing link (docs/protocol.md §3.1): what the agent's QR code and link carry to the
// client, in the link's #fragment so it never reaches a server.
//
// Fragment v1 = base64url (unpadded, RFC 4648 §5) of exactly 106 bytes:
//   version(1) = 0x01 ‖ pairing_id(16) ‖ code(16) ‖ role(1) ‖ expires_at_ms(8) ‖ A(32) ‖ s(32)
// `code` is the 16 bytes behind auth's "bwpc_" + base64url code; role is the transcript's
// byte (2 admin, 3 member, 4 viewer: an offer never grants owner); expires_at_ms is the
// offer's expiry (Unix ms, big-endian); A is the agent's X25519 public key; s the 32-byte
// pairing secret. The link is `<web origin>/pair#<fragment>`.
//
// Guarantees: parse_fragment() accepts exactly the encoding encode_fragment() produces and
// nothing else (one canonical text per link); every refusal has an error code and a message
// that says what is wrong without echoing the secret. The version byte is read first, so a
// future version's link is refused as kLinkVersion rather than as malformed. `s` is held in
// SecretBytes and the decode buffer is wiped. Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bw/crypto/secret_bytes.hpp"
#include "bw/crypto/x25519.hpp"
#include "bw/e2e/protocol.hpp"

namespace bw::pairing {

enum LinkError : int {
  kLinkMalformed = 401,  // not a pairing link / fragment of the v1 layout
  kLinkVersion = 402,    // a version this client does not know
};

inline constexpr std::uint8_t kLinkVersion1 = 1;
inline constexpr std::size_t kLinkPayloadSize = 106;
inline constexpr std::size_t kCodeBytes = 16;
inline constexpr std::string_view kCodePrefix = "bwpc_";

struct PairingLink {
  e2e::Id pairing_id{};
  std::string code;  // "bwpc_…" as auth issued it
  e2e::Role role = e2e::Role::kMember;
  std::int64_t expires_at_ms = 0;
  crypto::X25519PublicKey agent_public{};  // A
  crypto::SecretBytes secret;              // s, 32 bytes
};

// The fragment text (no '#'). Errors: kLinkMalformed if the link's fields are out of range
// (code not a bwpc_ code, owner role, s not 32 bytes, expiry not positive).
Result<std::string> encode_fragment(const PairingLink& link);
// "<web_origin>/pair#<fragment>"; web_origin without a trailing '/'.
Result<std::string> make_link(std::string_view web_origin, const PairingLink& link);

// The link in a fragment. Errors: kLinkVersion, kLinkMalformed.
Result<PairingLink> parse_fragment(std::string_view fragment);
// Accepts a whole link "https://…/pair#<fragment>" (only https, path ending in /pair, no
// query) or a bare fragment; surrounding whitespace is ignored. Errors as parse_fragment.
Result<PairingLink> parse_link(std::string_view link);

// Role names of the auth API ("admin", "member", "viewer", "owner").
std::string_view role_name(e2e::Role role);
std::optional<e2e::Role> role_from_name(std::string_view name);

}  // namespace bw::pairing
