// The v1 key schedule (docs/protocol.md §3–§4). Every secret is a crypto::SecretBytes,
// wiped when it goes out of scope; callers erase what the protocol says to erase by letting
// the objects go.
//
// Pairing:
//   T   = "bw/v1/pair" ‖ 0x01 ‖ tenant ‖ pairing_id ‖ agent_device ‖ client_device ‖
//         client_user ‖ role(1) ‖ A ‖ C
//   ss  = X25519(own private key, peer public key)
//   rk  = HKDF(ikm = ss, salt = s, info = T)
//   client proof = HMAC-SHA256(rk, "client" ‖ T); agent proof = HMAC-SHA256(rk, "agent" ‖ T)
//   SAS = HKDF(ikm = rk, salt = "", info = "bw/v1/sas" ‖ T) as a big-endian integer mod 10⁶
//   ck₀(dir) = HKDF(ikm = rk, salt = "", info = "bw/v1/chain" ‖ dir)
// Epochs and messages:
//   ck_n = HKDF(ikm = ck_{n−1}, salt = "", info = "bw/v1/next")   (ck_1 from ck₀: epochs start at 1)
//   k    = HKDF(ikm = ck_n, salt = r(8), info = "bw/v1/msg" ‖ dir ‖ pairing_id)
//   IV   = 0x00000000 ‖ seq(8)
#pragma once

#include <cstdint>

#include "bw/crypto/hmac.hpp"
#include "bw/crypto/secret_bytes.hpp"
#include "bw/crypto/x25519.hpp"
#include "bw/e2e/protocol.hpp"

namespace bw::e2e {

inline constexpr std::size_t kKeySize = 32;
inline constexpr std::size_t kSecretSize = 32;  // s
inline constexpr std::uint32_t kSasModulus = 1'000'000;

struct PairingParams {
  Id tenant{};
  Id pairing_id{};
  Id agent_device{};
  Id client_device{};
  Id client_user{};
  Role role = Role::kMember;
  crypto::X25519PublicKey agent_public{};   // A
  crypto::X25519PublicKey client_public{};  // C
};

// T, exactly as above (10 + 1 + 5×16 + 1 + 2×32 = 156 bytes).
Bytes transcript(const PairingParams& p);

// rk from one side's private key and the other side's public key. Errors: kCrypto (an
// all-zero shared secret, i.e. a low-order peer key, is refused), kInvalidArgument (s not
// 32 bytes).
Result<crypto::SecretBytes> root_key(ByteView own_private, ByteView peer_public, ByteView s, ByteView t);

crypto::HmacSha256Tag client_proof(const crypto::SecretBytes& rk, ByteView t);
crypto::HmacSha256Tag agent_proof(const crypto::SecretBytes& rk, ByteView t);
// Constant-time checks of a received proof.
bool verify_client_proof(const crypto::SecretBytes& rk, ByteView t, ByteView proof);
bool verify_agent_proof(const crypto::SecretBytes& rk, ByteView t, ByteView proof);

// The 6-digit short authentication string, 0..999999 (shown zero-padded).
Result<std::uint32_t> sas(const crypto::SecretBytes& rk, ByteView t);

// ck₀ for a direction.
Result<crypto::SecretBytes> initial_chain_key(const crypto::SecretBytes& rk, Direction d);
// ck_n from ck_{n−1}.
Result<crypto::SecretBytes> next_chain_key(const crypto::SecretBytes& ck);
// The AES-256-GCM key of an epoch.
Result<crypto::SecretBytes> traffic_key(const crypto::SecretBytes& ck_n, std::uint64_t r, Direction d,
                                        const Id& pairing_id);
// 0x00000000 ‖ seq(8).
std::array<std::uint8_t, 12> message_iv(std::uint64_t seq);

}  // namespace bw::e2e
