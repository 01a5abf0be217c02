// SHA-256: FIPS 180 known answers and incremental == one-shot.
#include "bw/crypto/sha256.hpp"

#include <gtest/gtest.h>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"

namespace bw::crypto {
namespace {

TEST(Sha256, MatchesKnownAnswers) {
  EXPECT_EQ(hex_encode(sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_encode(sha256(to_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(sha256(to_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, IncrementalMatchesOneShot) {
  const Bytes data = random(1000);
  Sha256 hasher;
  for (std::size_t i = 0; i < data.size(); i += 97) {
    hasher.update(ByteView(data).subspan(i, std::min<std::size_t>(97, data.size() - i)));
  }
  EXPECT_EQ(hasher.finish(), sha256(data));
}

TEST(Sha256, FinishStartsAFreshHash) {
  Sha256 hasher;
  hasher.update(to_bytes("first"));
  (void)hasher.finish();
  hasher.update(to_bytes("abc"));
  EXPECT_EQ(hasher.finish(), sha256(to_bytes("abc")));
  EXPECT_EQ(hasher.finish(), sha256({}));
}

TEST(Sha256, SurvivesMove) {
  Sha256 a;
  a.update(to_bytes("ab"));
  Sha256 b = std::move(a);
  b.update(to_bytes("c"));
  EXPECT_EQ(b.finish(), sha256(to_bytes("abc")));
}

}  // namespace
}  // namespace bw::crypto
