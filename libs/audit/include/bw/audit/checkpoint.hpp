// Signed checkpoints (audit.proto's Checkpoint): an Ed25519 signature over exactly 86 bytes,
//   "bw/v1/audit/checkpoint" (22 ASCII bytes) ‖ tenant(16) ‖ tree_size(8, big-endian) ‖
//   root_hash(32) ‖ timestamp_ms(8, big-endian)
// so anyone with the public key can check, offline, that the audit service stated this root
// for this size of this tenant's tree at this time. key_id is not signed: it only says which
// key to try, and is derived from the key itself (checkpoint_key_id), so a verifier also
// checks that it names the key it was given.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bw/audit/event.hpp"
#include "bw/audit/merkle.hpp"
#include "bw/bytes.hpp"
#include "bw/crypto/ed25519.hpp"
#include "bw/result.hpp"

namespace bw::audit {

inline constexpr std::string_view kCheckpointContext = "bw/v1/audit/checkpoint";
inline constexpr std::size_t kCheckpointSignedSize = 86;

// What a checkpoint states.
struct CheckpointBody {
  Id tenant{};
  std::uint64_t tree_size = 0;
  Hash root_hash{};  // MTH of the first tree_size leaves (empty_root() for 0)
  std::uint64_t timestamp_ms = 0;
  friend bool operator==(const CheckpointBody&, const CheckpointBody&) = default;
};

struct Checkpoint {
  CheckpointBody body;
  std::string key_id;                    // checkpoint_key_id of the signing key
  crypto::Ed25519Signature signature{};  // over checkpoint_signed_bytes(body)
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// The 86 signed bytes of body.
std::array<std::uint8_t, kCheckpointSignedSize> checkpoint_signed_bytes(const CheckpointBody& body);

// The key id: lowercase hex of the first 8 bytes of SHA-256(public_key), 16 characters.
// It names a key; it is not a secret and not a substitute for the key.
std::string checkpoint_key_id(ByteView public_key);

// Signs body with a 32-byte Ed25519 seed; key_id is derived from the seed's public key.
// Errors: Errc::kCrypto when the seed is not 32 bytes or OpenSSL fails.
Result<Checkpoint> sign_checkpoint(const CheckpointBody& body, ByteView seed);

// True only if checkpoint.signature is a valid Ed25519 signature of its body under
// public_key (32 bytes) AND checkpoint.key_id is that key's id.
[[nodiscard]] bool verify_checkpoint(const Checkpoint& checkpoint, ByteView public_key);

}  // namespace bw::audit
