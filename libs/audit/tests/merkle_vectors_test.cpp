// Every case of testdata/rfc6962_merkle.json (a copy of shared/vectors, see testdata/README.md):
// each root, inclusion path and consistency proof is generated — with tiles of 1, 2, 4 and 256
// leaves, so the cached and the uncached paths both meet it — and compared byte for byte, and
// each published path is verified as read from the file (byte views, not Hash arrays).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bw/crypto/hex.hpp"
#include "merkle_test_util.hpp"

namespace bw::audit {
namespace {

constexpr unsigned kTileBits[] = {0, 1, 2, kDefaultTileBits};

const nlohmann::json& vectors() {
  static const nlohmann::json doc = [] {
    std::ifstream in(BW_AUDIT_MERKLE_VECTORS);
    std::stringstream s;
    s << in.rdbuf();
    return nlohmann::json::parse(s.str(), nullptr, false);
  }();
  return doc;
}

Bytes hex(const nlohmann::json& v) {
  auto b = crypto::hex_decode(v.get<std::string>());
  EXPECT_TRUE(b) << v;
  return b ? *b : Bytes{};
}

Hash hash(const nlohmann::json& v) {
  const Bytes b = hex(v);
  Hash h{};
  EXPECT_EQ(b.size(), kHashSize) << v;
  std::copy_n(b.begin(), std::min(b.size(), kHashSize), h.begin());
  return h;
}

std::vector<Hash> hashes(const nlohmann::json& list) {
  std::vector<Hash> out;
  for (const auto& v : list) out.push_back(hash(v));
  return out;
}

std::vector<Hash> leaves() {
  std::vector<Hash> out;
  for (const auto& v : vectors()["leaves_hex"]) out.push_back(leaf_hash(hex(v)));
  return out;
}

// The tree of the first n standard leaves.
testing::FakeSource source(std::size_t n) {
  auto all = leaves();
  all.resize(n);
  return testing::FakeSource(all);
}

TEST(MerkleVectors, FileIsPresentAndComplete) {
  ASSERT_FALSE(vectors().is_discarded()) << BW_AUDIT_MERKLE_VECTORS << " missing or not JSON";
  EXPECT_EQ(vectors()["leaves_hex"].size(), 8u);
  EXPECT_EQ(vectors()["roots"].size(), 9u);
  EXPECT_EQ(vectors()["inclusion"].size(), 36u);
  EXPECT_EQ(vectors()["consistency"].size(), 36u);
}

TEST(MerkleVectors, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(crypto::hex_encode(empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(MerkleVectors, EveryRoot) {
  for (const auto& c : vectors()["roots"]) {
    const auto n = c["tree_size"].get<std::uint64_t>();
    const Hash want = hash(c["root"]);
    auto all = leaves();
    EXPECT_EQ(root_of(std::span<const Hash>(all).first(n)), want) << "size " << n;
    for (unsigned bits : kTileBits) {
      auto src = source(8);
      TileCache cache(bits);
      auto got = MerkleTree(src, cache).root(n);
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_EQ(*got, want) << "size " << n << " tile bits " << bits;
    }
  }
}

TEST(MerkleVectors, EveryInclusionPathGeneratedAndVerified) {
  for (const auto& c : vectors()["inclusion"]) {
    const auto index = c["leaf_index"].get<std::uint64_t>();
    const auto n = c["tree_size"].get<std::uint64_t>();
    const std::vector<Hash> want = hashes(c["path"]);
    const auto all = leaves();
    const Hash root = root_of(std::span<const Hash>(all).first(n));
    for (unsigned bits : kTileBits) {
      auto src = source(n);
      TileCache cache(bits);
      auto got = MerkleTree(src, cache).inclusion_proof(index, n);
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_EQ(*got, want) << "leaf " << index << " of " << n << ", tile bits " << bits;
    }
    std::vector<Bytes> raw;
    for (const auto& v : c["path"]) raw.push_back(hex(v));
    const std::vector<ByteView> path(raw.begin(), raw.end());
    EXPECT_TRUE(verify_inclusion(ByteView(all[index]), index, n, path, ByteView(root)))
        << "leaf " << index << " of " << n;
  }
}

TEST(MerkleVectors, EveryConsistencyProofGeneratedAndVerified) {
  for (const auto& c : vectors()["consistency"]) {
    const auto m = c["first"].get<std::uint64_t>();
    const auto n = c["second"].get<std::uint64_t>();
    const std::vector<Hash> want = hashes(c["proof"]);
    const auto all = leaves();
    const Hash root1 = root_of(std::span<const Hash>(all).first(m));
    const Hash root2 = root_of(std::span<const Hash>(all).first(n));
    for (unsigned bits : kTileBits) {
      auto src = source(n);
      TileCache cache(bits);
      auto got = MerkleTree(src, cache).consistency_proof(m, n);
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_EQ(*got, want) << m << " -> " << n << ", tile bits " << bits;
    }
    std::vector<Bytes> raw;
    for (const auto& v : c["proof"]) raw.push_back(hex(v));
    const std::vector<ByteView> proof(raw.begin(), raw.end());
    EXPECT_TRUE(verify_consistency(m, n, ByteView(root1), ByteView(root2), proof)) << m << " -> " << n;
  }
}

}  // namespace
}  // namespace bw::audit
