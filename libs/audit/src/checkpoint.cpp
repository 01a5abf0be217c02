// Checkpoint layout, signing and verification (checkpoint.hpp).
#include "bw/audit/checkpoint.hpp"

#include <algorithm>

#include "bw/audit/errors.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/sha256.hpp"

namespace bw::audit {
namespace {

constexpr std::size_t kKeyIdBytes = 8;

std::uint8_t* put_u64(std::uint8_t* out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) *out++ = static_cast<std::uint8_t>(v >> shift);
  return out;
}

}  // namespace

std::array<std::uint8_t, kCheckpointSignedSize> checkpoint_signed_bytes(const CheckpointBody& body) {
  static_assert(kCheckpointContext.size() + kIdSize + 8 + kHashSize + 8 == kCheckpointSignedSize);
  std::array<std::uint8_t, kCheckpointSignedSize> out{};
  auto* p = std::copy(kCheckpointContext.begin(), kCheckpointContext.end(), out.begin());
  p = std::copy(body.tenant.begin(), body.tenant.end(), p);
  p = put_u64(p, body.tree_size);
  p = std::copy(body.root_hash.begin(), body.root_hash.end(), p);
  put_u64(p, body.timestamp_ms);
  return out;
}

std::string checkpoint_key_id(ByteView public_key) {
  const auto digest = crypto::sha256(public_key);
  return crypto::hex_encode(ByteView(digest).first(kKeyIdBytes));
}

Result<Checkpoint> sign_checkpoint(const CheckpointBody& body, ByteView seed) {
  auto public_key = crypto::ed25519_public_from_seed(seed);
  if (!public_key) return make_error(Errc::kCrypto, "checkpoint signing key: " + public_key.error().message);
  const auto message = checkpoint_signed_bytes(body);
  auto signature = crypto::ed25519_sign(seed, message);
  if (!signature) return make_error(Errc::kCrypto, "checkpoint signature: " + signature.error().message);
  return Checkpoint{body, checkpoint_key_id(*public_key), *signature};
}

bool verify_checkpoint(const Checkpoint& checkpoint, ByteView public_key) {
  if (public_key.size() != crypto::kEd25519PublicKeySize) return false;
  if (checkpoint.key_id != checkpoint_key_id(public_key)) return false;
  const auto message = checkpoint_signed_bytes(checkpoint.body);
  return crypto::ed25519_verify(public_key, message, checkpoint.signature);
}

}  // namespace bw::audit
