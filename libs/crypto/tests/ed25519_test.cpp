// Ed25519: every Wycheproof verification case (including malleable and wrong-length
// signatures), RFC 8032 known answers, sign/verify round trips and tampering.
#include "bw/crypto/ed25519.hpp"

#include <gtest/gtest.h>

#include "bw/crypto/errors.hpp"
#include "bw/crypto/hex.hpp"
#include "wycheproof.hpp"

namespace bw::crypto {
namespace {

using testing::CaseTally;
using testing::hex_field;

TEST(Ed25519, MatchesEveryWycheproofCase) {
  const auto file = testing::load_wycheproof("ed25519_test.json");
  ASSERT_FALSE(file.is_null());
  CaseTally tally("ed25519");
  for (const auto& group : file["testGroups"]) {
    const Bytes pub = hex_field(group.at("publicKey"), "pk");
    for (const auto& tc : group["tests"]) {
      const bool verified = ed25519_verify(pub, hex_field(tc, "msg"), hex_field(tc, "sig"));
      const std::string result = tc.at("result");
      if (result == "valid") {
        tally.record(tc, verified, "valid signature rejected");
      } else if (result == "invalid") {
        tally.record(tc, !verified, "invalid signature accepted");
      } else {
        tally.record(tc, true);  // acceptable: either answer is allowed
      }
    }
  }
  tally.finish(file);
}

// RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte).
TEST(Ed25519, MatchesRfc8032KnownAnswers) {
  struct Vector { const char* seed; const char* pub; const char* msg; const char* sig; };
  const Vector vectors[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
  };
  for (const auto& v : vectors) {
    const Bytes seed = hex_decode(v.seed).value(), msg = hex_decode(v.msg).value();
    EXPECT_EQ(hex_encode(ed25519_public_from_seed(seed).value()), v.pub);
    EXPECT_EQ(hex_encode(ed25519_sign(seed, msg).value()), v.sig);
    EXPECT_TRUE(ed25519_verify(hex_decode(v.pub).value(), msg, hex_decode(v.sig).value()));
  }
}

TEST(Ed25519, SignVerifyRoundTrips) {
  auto pair = ed25519_generate();
  ASSERT_TRUE(pair.ok());
  const Bytes msg = to_bytes("device assertion");
  auto sig = ed25519_sign(pair->seed.view(), msg);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(ed25519_verify(pair->public_key, msg, *sig));
  EXPECT_EQ(ed25519_public_from_seed(pair->seed.view()).value(), pair->public_key);
}

TEST(Ed25519, RejectsTamperedMessageSignatureOrKey) {
  auto pair = ed25519_generate();
  ASSERT_TRUE(pair.ok());
  Bytes msg = to_bytes("approve: rm -rf build");
  const Ed25519Signature sig = ed25519_sign(pair->seed.view(), msg).value();
  for (std::size_t i = 0; i < sig.size(); i += 7) {
    Ed25519Signature bad = sig;
    bad[i] ^= 0x04;
    EXPECT_FALSE(ed25519_verify(pair->public_key, msg, bad)) << "byte " << i;
  }
  Ed25519PublicKey other_key = pair->public_key;
  other_key[0] ^= 0x01;
  EXPECT_FALSE(ed25519_verify(other_key, msg, sig));
  msg.back() ^= 0x01;
  EXPECT_FALSE(ed25519_verify(pair->public_key, msg, sig));
}

TEST(Ed25519, RejectsWrongLengths) {
  auto pair = ed25519_generate();
  ASSERT_TRUE(pair.ok());
  const Bytes msg = to_bytes("m");
  const Ed25519Signature sig = ed25519_sign(pair->seed.view(), msg).value();
  Bytes longer(sig.begin(), sig.end());
  longer.push_back(0);
  EXPECT_FALSE(ed25519_verify(pair->public_key, msg, longer));
  EXPECT_FALSE(ed25519_verify(pair->public_key, msg, ByteView(sig).first(63)));
  EXPECT_FALSE(ed25519_verify(ByteView(pair->public_key).first(31), msg, sig));
  EXPECT_FALSE(ed25519_verify({}, msg, {}));
  auto bad_seed = ed25519_sign(Bytes(31), msg);
  ASSERT_FALSE(bad_seed.ok());
  EXPECT_TRUE(has_code(bad_seed.error(), Errc::kInvalidArgument));
}

// S + L verifies mathematically for a lax verifier; RFC 8032 requires S < L.
TEST(Ed25519, RejectsMalleatedSignature) {
  auto pair = ed25519_generate();
  ASSERT_TRUE(pair.ok());
  const Bytes msg = to_bytes("m");
  Ed25519Signature sig = ed25519_sign(pair->seed.view(), msg).value();
  // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
  const Bytes l = hex_decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010").value();
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned sum = sig[32 + i] + l[i] + carry;
    sig[32 + i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);  // S < L < 2^253, so S + L < 2^254 fits in 32 bytes
  EXPECT_FALSE(ed25519_verify(pair->public_key, msg, sig));
}

}  // namespace
}  // namespace bw::crypto
