// The verifiers on malformed input, one case each: every one is a plain false, never a crash
// (the sanitizers watch), whatever the sizes, lengths or path.
#include <gtest/gtest.h>

#include <limits>

#include "merkle_test_util.hpp"

namespace bw::audit {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// A valid inclusion (leaf 5 of 13) and consistency (5 → 13) to break one part at a time.
struct Fixture {
  std::vector<Hash> leaves = testing::fake_leaves(13);
  testing::FakeSource source{leaves};
  TileCache cache{1};
  MerkleTree tree{source, cache};
  Hash root5 = root_of(std::span(leaves).first(5));
  Hash root13 = root_of(leaves);
  std::vector<Hash> path = *tree.inclusion_proof(5, 13);
  std::vector<Hash> proof = *tree.consistency_proof(5, 13);
};

std::vector<Bytes> as_bytes_list(const std::vector<Hash>& hashes) {
  std::vector<Bytes> out;
  for (const Hash& h : hashes) out.emplace_back(h.begin(), h.end());
  return out;
}

bool inclusion(const Bytes& leaf, std::uint64_t i, std::uint64_t n, const std::vector<Bytes>& path, const Bytes& root) {
  const std::vector<ByteView> views(path.begin(), path.end());
  return verify_inclusion(leaf, i, n, views, root);
}

bool consistency(std::uint64_t m, std::uint64_t n, const Bytes& r1, const Bytes& r2, const std::vector<Bytes>& path) {
  const std::vector<ByteView> views(path.begin(), path.end());
  return verify_consistency(m, n, r1, r2, views);
}

Bytes bytes(const Hash& h) { return {h.begin(), h.end()}; }

TEST(MerkleVerify, TheFixtureIsValid) {
  Fixture f;
  EXPECT_TRUE(inclusion(bytes(f.leaves[5]), 5, 13, as_bytes_list(f.path), bytes(f.root13)));
  EXPECT_TRUE(consistency(5, 13, bytes(f.root5), bytes(f.root13), as_bytes_list(f.proof)));
}

TEST(MerkleVerify, InclusionRejectsHashesOfTheWrongLength) {
  Fixture f;
  Bytes leaf = bytes(f.leaves[5]);
  auto path = as_bytes_list(f.path);
  Bytes root = bytes(f.root13);
  Bytes longer = leaf;
  longer.push_back(0);
  EXPECT_FALSE(inclusion(Bytes(leaf.begin(), leaf.end() - 1), 5, 13, path, root));
  EXPECT_FALSE(inclusion(longer, 5, 13, path, root));
  EXPECT_FALSE(inclusion(leaf, 5, 13, path, Bytes()));
  EXPECT_FALSE(inclusion(leaf, 5, 13, path, Bytes(root.begin(), root.end() - 1)));
  path[1].pop_back();
  EXPECT_FALSE(inclusion(leaf, 5, 13, path, root));
  path[1] = Bytes();
  EXPECT_FALSE(inclusion(leaf, 5, 13, path, root));
}

TEST(MerkleVerify, InclusionRejectsIndexAtOrBeyondSize) {
  Fixture f;
  EXPECT_FALSE(verify_inclusion(f.leaves[5], 13, 13, f.path, f.root13));
  EXPECT_FALSE(verify_inclusion(f.leaves[5], kMax, 13, f.path, f.root13));
  EXPECT_FALSE(verify_inclusion(f.leaves[0], 0, 0, {}, empty_root()));
}

TEST(MerkleVerify, InclusionRejectsWrongPathLengths) {
  Fixture f;
  EXPECT_FALSE(verify_inclusion(f.leaves[5], 5, 13, {}, f.root13));
  std::vector<Hash> long_path(100, f.root13);
  EXPECT_FALSE(verify_inclusion(f.leaves[5], 5, 13, long_path, f.root13));
  EXPECT_FALSE(verify_inclusion(f.leaves[5], 5, kMax, f.path, f.root13));
  EXPECT_FALSE(verify_inclusion(f.leaves[5], kMax - 1, kMax, long_path, f.root13));
}

TEST(MerkleVerify, SingleLeafTreeNeedsAnEmptyPath) {
  Fixture f;
  EXPECT_TRUE(verify_inclusion(f.leaves[0], 0, 1, {}, f.leaves[0]));
  EXPECT_FALSE(verify_inclusion(f.leaves[0], 0, 1, std::vector<Hash>{f.leaves[1]}, f.leaves[0]));
}

TEST(MerkleVerify, ConsistencyRejectsHashesOfTheWrongLength) {
  Fixture f;
  auto proof = as_bytes_list(f.proof);
  const Bytes r1 = bytes(f.root5);
  const Bytes r2 = bytes(f.root13);
  EXPECT_FALSE(consistency(5, 13, Bytes(r1.begin(), r1.end() - 1), r2, proof));
  EXPECT_FALSE(consistency(5, 13, r1, Bytes(), proof));
  proof.back().push_back(0);
  EXPECT_FALSE(consistency(5, 13, r1, r2, proof));
}

TEST(MerkleVerify, ConsistencyRejectsFirstSizeZero) {
  Fixture f;
  EXPECT_FALSE(verify_consistency(0, 13, empty_root(), f.root13, {}));
  EXPECT_FALSE(verify_consistency(0, 13, empty_root(), f.root13, f.proof));
  EXPECT_FALSE(verify_consistency(0, 0, empty_root(), empty_root(), {}));
}

TEST(MerkleVerify, ConsistencyRejectsFirstSizeAboveSecond) {
  Fixture f;
  EXPECT_FALSE(verify_consistency(13, 5, f.root13, f.root5, f.proof));
  EXPECT_FALSE(verify_consistency(kMax, 1, f.root13, f.root5, f.proof));
}

TEST(MerkleVerify, ConsistencyOfEqualSizesNeedsEqualRootsAndNoPath) {
  Fixture f;
  EXPECT_TRUE(verify_consistency(13, 13, f.root13, f.root13, {}));
  EXPECT_FALSE(verify_consistency(13, 13, f.root13, f.root5, {}));
  EXPECT_FALSE(verify_consistency(13, 13, f.root13, f.root13, std::vector<Hash>{f.root13}));
}

TEST(MerkleVerify, ConsistencyRejectsWrongPathLengths) {
  Fixture f;
  EXPECT_FALSE(verify_consistency(5, 13, f.root5, f.root13, {}));
  std::vector<Hash> long_path(100, f.root13);
  EXPECT_FALSE(verify_consistency(5, 13, f.root5, f.root13, long_path));
  EXPECT_FALSE(verify_consistency(5, kMax, f.root5, f.root13, f.proof));
  EXPECT_FALSE(verify_consistency(kMax - 1, kMax, f.root5, f.root13, long_path));
}

}  // namespace
}  // namespace bw::audit
