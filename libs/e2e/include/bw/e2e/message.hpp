// The inner message (the AES-GCM plaintext), padded (docs/protocol.md §4):
//   kind(1) ‖ flags(1) ‖ [prev_n(8) ‖ prev_last_seq(8)] ‖ body_len(4) ‖ body ‖ zero padding
// flags: 0x01 the first message of a new epoch, carrying the previous epoch's number and
//        the last sequence number the sender knows it sent in it;
//        0x02 (with 0x01) the previous epoch ended uncleanly, so prev_last_seq is a lower bound.
// Padding: the unpadded length L is rounded up to a multiple of 256 while L ≤ 4096, and to
// the next power of two above that. APPROVAL_ANSWER is always exactly 256 bytes (its body
// must fit), so answers all look alike. Decoding is strict: the kind must be the envelope's,
// unknown flag bits, a body_len past the end and non-zero padding are refused.
#pragma once

#include <cstdint>
#include <optional>

#include "bw/e2e/protocol.hpp"

namespace bw::e2e {

struct PreviousEpoch {
  std::uint64_t n = 0;
  std::uint64_t last_seq = 0;
  bool unclean = false;
  friend bool operator==(const PreviousEpoch&, const PreviousEpoch&) = default;
};

struct Message {
  Kind kind = Kind::kAck;
  std::optional<PreviousEpoch> previous;  // set on the first message of a new epoch
  Bytes body;
  friend bool operator==(const Message&, const Message&) = default;
};

// The padded size for an unpadded length (≥ 1).
std::size_t padded_size(std::size_t unpadded);
// Errors: kTooLarge (body over kMaxBody, or an approval answer that does not fit 256 bytes).
Result<Bytes> encode_message(const Message& m);
// Errors: kMalformed, kKindMismatch (inner kind ≠ expected).
Result<Message> decode_message(ByteView plaintext, Kind expected);

// ACK body: the highest contiguous (epoch n, seq) received in that direction.
struct AckPosition {
  std::uint64_t n = 0;
  std::uint64_t seq = 0;
  friend bool operator==(const AckPosition&, const AckPosition&) = default;
};
Bytes encode_ack(const AckPosition& a);
Result<AckPosition> decode_ack(ByteView body);

// The oldest sent_at a receiver accepts for a kind, given the approval timeout: approval
// answers within it, prompts and control within kMaxCommandAge; nullopt for kinds without
// an age limit (output, events, acknowledgements, close).
std::optional<std::chrono::milliseconds> max_age(Kind kind, std::chrono::milliseconds approval_timeout);

}  // namespace bw::e2e
