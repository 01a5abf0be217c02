// The v1 key schedule (keys.hpp).
#include "bw/e2e/keys.hpp"

#include <algorithm>

#include "bw/crypto/constant_time.hpp"
#include "bw/crypto/hkdf.hpp"

namespace bw::e2e {
namespace {

Bytes label(std::string_view text, ByteView suffix = {}) {
  Bytes out = to_bytes(text);
  append(out, suffix);
  return out;
}

Result<crypto::SecretBytes> hkdf32(ByteView ikm, ByteView salt, ByteView info) {
  auto out = crypto::hkdf_sha256(ikm, salt, info, kKeySize);
  if (!out) return make_error(Errc::kCrypto, out.error().message);
  return std::move(out).value();
}

crypto::HmacSha256Tag proof(const crypto::SecretBytes& rk, std::string_view side, ByteView t) {
  return crypto::hmac_sha256(rk.view(), label(side, t));
}

}  // namespace

Bytes transcript(const PairingParams& p) {
  Bytes t = to_bytes("bw/v1/pair");
  t.push_back(0x01);
  for (const Id* id : {&p.tenant, &p.pairing_id, &p.agent_device, &p.client_device, &p.client_user}) append(t, *id);
  t.push_back(static_cast<std::uint8_t>(p.role));
  append(t, p.agent_public);
  append(t, p.client_public);
  return t;
}

Result<crypto::SecretBytes> root_key(ByteView own_private, ByteView peer_public, ByteView s, ByteView t) {
  if (s.size() != kSecretSize) return make_error(Errc::kInvalidArgument, "s must be 32 bytes");
  auto ss = crypto::x25519(own_private, peer_public);  // refuses an all-zero shared secret
  if (!ss) return make_error(Errc::kCrypto, ss.error().message);
  return hkdf32(ss->view(), s, t);
}

crypto::HmacSha256Tag client_proof(const crypto::SecretBytes& rk, ByteView t) { return proof(rk, "client", t); }
crypto::HmacSha256Tag agent_proof(const crypto::SecretBytes& rk, ByteView t) { return proof(rk, "agent", t); }

bool verify_client_proof(const crypto::SecretBytes& rk, ByteView t, ByteView received) {
  const auto expected = client_proof(rk, t);
  return crypto::constant_time_equal(expected, received);
}

bool verify_agent_proof(const crypto::SecretBytes& rk, ByteView t, ByteView received) {
  const auto expected = agent_proof(rk, t);
  return crypto::constant_time_equal(expected, received);
}

Result<std::uint32_t> sas(const crypto::SecretBytes& rk, ByteView t) {
  auto out = hkdf32(rk.view(), {}, label("bw/v1/sas", t));
  if (!out) return out.error();
  // The 256-bit big-endian integer mod 10^6, byte by byte (no big-number library).
  std::uint64_t rem = 0;
  for (const std::uint8_t b : out->view()) rem = (rem * 256 + b) % kSasModulus;
  return static_cast<std::uint32_t>(rem);
}

Result<crypto::SecretBytes> initial_chain_key(const crypto::SecretBytes& rk, Direction d) {
  return hkdf32(rk.view(), {}, label("bw/v1/chain", as_bytes(direction_label(d))));
}

Result<crypto::SecretBytes> next_chain_key(const crypto::SecretBytes& ck) {
  return hkdf32(ck.view(), {}, as_bytes("bw/v1/next"));
}

Result<crypto::SecretBytes> traffic_key(const crypto::SecretBytes& ck_n, std::uint64_t r, Direction d,
                                        const Id& pairing_id) {
  std::array<std::uint8_t, 8> salt{};
  for (int i = 7; i >= 0; --i, r >>= 8) salt[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(r);
  Bytes info = label("bw/v1/msg", as_bytes(direction_label(d)));
  append(info, pairing_id);
  return hkdf32(ck_n.view(), salt, info);
}

std::array<std::uint8_t, 12> message_iv(std::uint64_t seq) {
  std::array<std::uint8_t, 12> iv{};
  for (int i = 11; i >= 4; --i, seq >>= 8) iv[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(seq);
  return iv;
}

}  // namespace bw::e2e
