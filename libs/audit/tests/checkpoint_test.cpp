// Checkpoints: the 86-byte layout and signature match the independent Python implementation
// (testdata/make_golden.py, pyca/cryptography, RFC 8032's test-1 key); sign/verify; any
// altered byte of any field, another key, a key of the wrong length, or a wrong key id fails.
#include <gtest/gtest.h>

#include "bw/audit/checkpoint.hpp"
#include "bw/audit/errors.hpp"
#include "bw/crypto/hex.hpp"
#include "event_test_util.hpp"

namespace bw::audit {
namespace {

constexpr const char* kSeed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr const char* kPublicKey = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr const char* kGoldenSignedBytes =
    "62772f76312f61756469742f636865636b706f696e74101112131415161718191a1b1c1d1e1f00000000000000014c7fb4e9ca66d8083281"
    "3422d0d904b7c50400c3dd549f3975e0c8a1c3a20a370000019b76db9260";
constexpr const char* kGoldenSignature =
    "99ebaf56977e7f564e2a8e64887b3ed6ae38da2fc3c114d065d639ca791dcd3b7ae19d80974dcac178c4ab3a01097a782462128f5e3b9479"
    "3f8084e59a276c05";
constexpr const char* kGoldenKeyId = "21fe31dfa154a261";

Bytes seed() { return *crypto::hex_decode(kSeed); }
Bytes public_key() { return *crypto::hex_decode(kPublicKey); }

// The golden checkpoint: the tree of size 1 holding the sample event.
CheckpointBody body() {
  CheckpointBody b;
  b.tenant = testing::id_from(0x10);
  b.tree_size = 1;
  b.root_hash = leaf_hash(*encode_event(testing::sample_event()));
  b.timestamp_ms = 1767225660000;
  return b;
}

Checkpoint signed_golden() {
  auto c = sign_checkpoint(body(), seed());
  EXPECT_TRUE(c) << (c ? "" : c.error().message);
  return c ? *c : Checkpoint{};
}

TEST(Checkpoint, SignedBytesFollowTheDocumentedLayout) {
  const auto bytes = checkpoint_signed_bytes(body());
  EXPECT_EQ(bytes.size(), 86u);
  EXPECT_EQ(crypto::hex_encode(bytes), kGoldenSignedBytes);
  EXPECT_EQ(to_string(ByteView(bytes).first(22)), "bw/v1/audit/checkpoint");
}

TEST(Checkpoint, SignatureAndKeyIdMatchTheIndependentImplementation) {
  const Checkpoint c = signed_golden();
  EXPECT_EQ(crypto::hex_encode(c.signature), kGoldenSignature);
  EXPECT_EQ(c.key_id, kGoldenKeyId);
  EXPECT_EQ(checkpoint_key_id(public_key()), kGoldenKeyId);
}

TEST(Checkpoint, VerifiesWithItsPublicKey) { EXPECT_TRUE(verify_checkpoint(signed_golden(), public_key())); }

TEST(Checkpoint, EmptyTreeCheckpointVerifies) {
  CheckpointBody b = body();
  b.tree_size = 0;
  b.root_hash = empty_root();
  auto c = sign_checkpoint(b, seed());
  ASSERT_TRUE(c);
  EXPECT_TRUE(verify_checkpoint(*c, public_key()));
}

TEST(Checkpoint, AnyAlteredByteOfTheBodyFails) {
  const Checkpoint good = signed_golden();
  for (std::size_t i = 0; i < kIdSize; ++i) {
    Checkpoint c = good;
    c.body.tenant[i] ^= 0x01;
    EXPECT_FALSE(verify_checkpoint(c, public_key())) << "tenant byte " << i;
  }
  for (std::size_t i = 0; i < kHashSize; ++i) {
    Checkpoint c = good;
    c.body.root_hash[i] ^= 0x80;
    EXPECT_FALSE(verify_checkpoint(c, public_key())) << "root byte " << i;
  }
  for (int bit = 0; bit < 64; bit += 7) {
    Checkpoint c = good;
    c.body.tree_size ^= std::uint64_t{1} << bit;
    EXPECT_FALSE(verify_checkpoint(c, public_key())) << "size bit " << bit;
    c = good;
    c.body.timestamp_ms ^= std::uint64_t{1} << bit;
    EXPECT_FALSE(verify_checkpoint(c, public_key())) << "time bit " << bit;
  }
}

TEST(Checkpoint, AnyAlteredByteOfTheSignatureFails) {
  const Checkpoint good = signed_golden();
  for (std::size_t i = 0; i < good.signature.size(); ++i) {
    Checkpoint c = good;
    c.signature[i] ^= 0x01;
    EXPECT_FALSE(verify_checkpoint(c, public_key())) << "signature byte " << i;
  }
}

TEST(Checkpoint, AnAlteredKeyIdFails) {
  Checkpoint c = signed_golden();
  c.key_id[0] = c.key_id[0] == '0' ? '1' : '0';
  EXPECT_FALSE(verify_checkpoint(c, public_key()));
  c.key_id.clear();
  EXPECT_FALSE(verify_checkpoint(c, public_key()));
}

TEST(Checkpoint, AnotherKeyFails) {
  auto other = crypto::ed25519_generate();
  ASSERT_TRUE(other);
  EXPECT_FALSE(verify_checkpoint(signed_golden(), other->public_key));
  // Even with the key id rewritten to name that key, the signature is not its.
  Checkpoint c = signed_golden();
  c.key_id = checkpoint_key_id(other->public_key);
  EXPECT_FALSE(verify_checkpoint(c, other->public_key));
}

TEST(Checkpoint, PublicKeyOfTheWrongLengthFails) {
  Bytes key = public_key();
  key.pop_back();
  EXPECT_FALSE(verify_checkpoint(signed_golden(), key));
  key = public_key();
  key.push_back(0);
  EXPECT_FALSE(verify_checkpoint(signed_golden(), key));
  EXPECT_FALSE(verify_checkpoint(signed_golden(), ByteView()));
}

TEST(Checkpoint, SigningWithASeedOfTheWrongLengthIsAnError) {
  Bytes short_seed = seed();
  short_seed.pop_back();
  auto c = sign_checkpoint(body(), short_seed);
  ASSERT_FALSE(c);
  EXPECT_TRUE(has_code(c.error(), Errc::kCrypto));
}

}  // namespace
}  // namespace bw::audit
