// The envelope header (docs/protocol.md §2): the only part the relay may read, and exactly
// the AEAD's associated data:
//   version(1) ‖ sender(16) ‖ recipient(16) ‖ epoch(16) = n(8) ‖ r(8) ‖ seq(8) ‖ nonce(16)
//   ‖ sent_at_ms(8) ‖ kind(1)                                             = 82 bytes
// followed on the wire by the ciphertext (AES-256-GCM, tag appended).
#pragma once

#include <cstdint>

#include "bw/e2e/protocol.hpp"

namespace bw::e2e {

inline constexpr std::size_t kHeaderSize = 82;
using Nonce = std::array<std::uint8_t, 16>;

struct Epoch {
  std::uint64_t n = 0;  // the sender's durable epoch counter
  std::uint64_t r = 0;  // random per epoch, so a repeated n never repeats a key
  friend bool operator==(const Epoch&, const Epoch&) = default;
};

struct Header {
  std::uint8_t version = kVersion;
  Id sender{};
  Id recipient{};
  Epoch epoch;
  std::uint64_t seq = 0;  // from 1 within an epoch
  Nonce nonce{};          // random, for the relay's replay window
  std::int64_t sent_at_ms = 0;
  Kind kind = Kind::kAck;
  friend bool operator==(const Header&, const Header&) = default;
};

// The 82 bytes.
std::array<std::uint8_t, kHeaderSize> encode_header(const Header& h);
// Strict: exactly 82 bytes, version 1 (else kBadVersion), a known kind, seq ≥ 1,
// sent_at_ms ≥ 0. Errors: kMalformed, kBadVersion.
Result<Header> decode_header(ByteView bytes);

// A whole envelope: header bytes then ciphertext. split_envelope() checks the header and
// that a ciphertext of at least one tag follows.
struct Envelope {
  Header header;
  Bytes ciphertext;  // AES-256-GCM ciphertext ‖ 16-byte tag
};
Bytes encode_envelope(const Envelope& e);
Result<Envelope> decode_envelope(ByteView bytes);

}  // namespace bw::e2e
