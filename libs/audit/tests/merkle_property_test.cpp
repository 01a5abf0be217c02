// Properties of generation and verification over every tree size 1..300 and random larger
// sizes: every generated proof equals the RFC's (reference implementation, sizes ≤ 64) and
// verifies; flipping a byte of any proof hash, of the leaf hash or of a root, dropping or
// adding a path element, or changing the index or the size (with that size's root) makes it
// fail (every byte of every hash up to size 16, one byte per hash above). Tiles of 4 leaves, so the tile cache is on the path at these sizes.
//
// Note on sizes: RFC 9162 verification binds the size only through the root it ends at. A
// path checked with another size but the SAME root passes whenever both sizes give the leaf
// the same shape of path (leaf 0 of 3 and of 4, for example); that is why a checkpoint signs
// the size and the root together, and why the size tests below pair each size with its root.
#include <gtest/gtest.h>

#include <random>

#include "merkle_test_util.hpp"

namespace bw::audit {
namespace {

using testing::FakeSource;
constexpr std::uint64_t kMaxSize = 300;
constexpr unsigned kSmallTiles = 2;

// Roots of every prefix of the leaves, roots[n] for n in 0..leaves.size().
std::vector<Hash> prefix_roots(const std::vector<Hash>& leaves) {
  std::vector<Hash> roots;
  for (std::size_t n = 0; n <= leaves.size(); ++n) roots.push_back(root_of(std::span(leaves).first(n)));
  return roots;
}

// Which proofs get the mutation checks: all of them up to size 64, then every 8th position and
// the last (the edges of the tree), to keep the suite quick under the sanitizers. Every proof
// of every size is still generated and verified.
bool mutate(std::uint64_t n, std::uint64_t position) { return n <= 64 || position % 8 == 0 || position + 1 >= n; }

Hash flipped(Hash h, std::size_t byte) {
  h[byte % kHashSize] ^= 0x01;
  return h;
}

// Every single-hash corruption of path fails; `all_bytes` tries each of the 32 bytes.
void expect_inclusion_mutations_fail(const Hash& leaf, std::uint64_t i, std::uint64_t n, const std::vector<Hash>& path,
                                     const std::vector<Hash>& roots, bool all_bytes) {
  const Hash& root = roots[n];
  for (std::size_t j = 0; j < path.size(); ++j) {
    for (std::size_t b = all_bytes ? 0 : (i + j) % kHashSize; b < kHashSize; b += all_bytes ? 1 : kHashSize) {
      auto bad = path;
      bad[j] = flipped(bad[j], b);
      EXPECT_FALSE(verify_inclusion(leaf, i, n, bad, root)) << i << "/" << n << " hash " << j << " byte " << b;
    }
  }
  EXPECT_FALSE(verify_inclusion(flipped(leaf, i), i, n, path, root));
  EXPECT_FALSE(verify_inclusion(leaf, i, n, path, flipped(root, i)));
  if (!path.empty()) {
    EXPECT_FALSE(verify_inclusion(leaf, i, n, std::span(path).first(path.size() - 1), root));
  }
  auto longer = path;
  longer.push_back(root);
  EXPECT_FALSE(verify_inclusion(leaf, i, n, longer, root));
  if (i > 0) {
    EXPECT_FALSE(verify_inclusion(leaf, i - 1, n, path, root));
  }
  EXPECT_FALSE(verify_inclusion(leaf, i + 1, n, path, root));
  EXPECT_FALSE(verify_inclusion(leaf, i, n + 1, path, roots.size() > n + 1 ? roots[n + 1] : root));
  if (n - 1 > i) {
    EXPECT_FALSE(verify_inclusion(leaf, i, n - 1, path, roots[n - 1]));
  }
  EXPECT_FALSE(verify_inclusion(leaf, n, n, path, root));
}

void expect_consistency_mutations_fail(std::uint64_t m, std::uint64_t n, const std::vector<Hash>& proof,
                                       const std::vector<Hash>& roots, bool all_bytes) {
  for (std::size_t j = 0; j < proof.size(); ++j) {
    for (std::size_t b = all_bytes ? 0 : (m + n + j) % kHashSize; b < kHashSize; b += all_bytes ? 1 : kHashSize) {
      auto bad = proof;
      bad[j] = flipped(bad[j], b);
      EXPECT_FALSE(verify_consistency(m, n, roots[m], roots[n], bad)) << m << "->" << n << " hash " << j;
    }
  }
  EXPECT_FALSE(verify_consistency(m, n, flipped(roots[m], n), roots[n], proof));
  EXPECT_FALSE(verify_consistency(m, n, roots[m], flipped(roots[n], m), proof));
  if (!proof.empty()) {
    EXPECT_FALSE(verify_consistency(m, n, roots[m], roots[n], std::span(proof).first(proof.size() - 1)));
  }
  auto longer = proof;
  longer.push_back(roots[n]);
  EXPECT_FALSE(verify_consistency(m, n, roots[m], roots[n], longer));
  if (m > 1) {
    EXPECT_FALSE(verify_consistency(m - 1, n, roots[m - 1], roots[n], proof));
  }
  if (m < n) {
    EXPECT_FALSE(verify_consistency(m + 1, n, roots[m + 1], roots[n], proof));
  }
  if (n + 1 < roots.size()) {
    EXPECT_FALSE(verify_consistency(m, n + 1, roots[m], roots[n + 1], proof));
  }
  EXPECT_FALSE(verify_consistency(n + 1, n, roots[m], roots[n], proof));
}

TEST(MerkleProperty, InclusionForEveryLeafOfEverySizeTo300) {
  const auto leaves = testing::fake_leaves(kMaxSize + 1);
  const auto roots = prefix_roots(leaves);
  FakeSource source(leaves);
  TileCache cache(kSmallTiles);  // shared by all sizes: valid for every one of them
  MerkleTree tree(source, cache);
  for (std::uint64_t n = 1; n <= kMaxSize; ++n) {
    for (std::uint64_t i = 0; i < n; ++i) {
      auto path = tree.inclusion_proof(i, n);
      ASSERT_TRUE(path) << path.error().message;
      if (n <= 64) {
        ASSERT_EQ(*path, testing::reference::path(i, std::span(leaves).first(n))) << i << "/" << n;
      }
      ASSERT_TRUE(verify_inclusion(leaves[i], i, n, *path, roots[n])) << i << "/" << n;
      if (mutate(n, i)) expect_inclusion_mutations_fail(leaves[i], i, n, *path, roots, n <= 16);
    }
  }
}

TEST(MerkleProperty, ConsistencyForEveryPairOfSizesTo300) {
  const auto leaves = testing::fake_leaves(kMaxSize + 1);
  const auto roots = prefix_roots(leaves);
  FakeSource source(leaves);
  TileCache cache(kSmallTiles);
  MerkleTree tree(source, cache);
  for (std::uint64_t n = 1; n <= kMaxSize; ++n) {
    for (std::uint64_t m = 1; m <= n; ++m) {
      auto proof = tree.consistency_proof(m, n);
      ASSERT_TRUE(proof) << proof.error().message;
      if (n <= 64) {
        ASSERT_EQ(*proof, testing::reference::proof(m, std::span(leaves).first(n))) << m << "->" << n;
      }
      ASSERT_TRUE(verify_consistency(m, n, roots[m], roots[n], *proof)) << m << "->" << n;
      if (mutate(n, m)) expect_consistency_mutations_fail(m, n, *proof, roots, n <= 16);
    }
  }
}

TEST(MerkleProperty, RootOfEverySizeTo300) {
  const auto leaves = testing::fake_leaves(kMaxSize);
  const auto roots = prefix_roots(leaves);
  FakeSource source(leaves);
  TileCache cache(kSmallTiles);
  MerkleTree tree(source, cache);
  for (std::uint64_t n = 0; n <= kMaxSize; ++n) {
    auto root = tree.root(n);
    ASSERT_TRUE(root);
    EXPECT_EQ(*root, roots[n]) << n;
    EXPECT_EQ(*root, testing::reference::mth(std::span(leaves).first(n))) << n;
  }
}

TEST(MerkleProperty, RandomLargerSizes) {
  std::mt19937_64 rng(20261122);  // fixed: a failure reproduces
  const std::uint64_t max = 20000;
  const auto leaves = testing::fake_leaves(max);
  FakeSource source(leaves);
  TileCache cache(kDefaultTileBits);
  MerkleTree tree(source, cache);
  for (int round = 0; round < 40; ++round) {
    const std::uint64_t n = 301 + rng() % (max - 301);
    const std::uint64_t m = 1 + rng() % n;
    const std::uint64_t i = rng() % n;
    const Hash root_n = root_of(std::span(leaves).first(n));
    const Hash root_m = root_of(std::span(leaves).first(m));
    std::vector<Hash> roots(n + 1, root_n);  // only roots[m], roots[n] are read for these sizes
    roots[m] = root_m;
    auto path = tree.inclusion_proof(i, n);
    ASSERT_TRUE(path);
    EXPECT_TRUE(verify_inclusion(leaves[i], i, n, *path, root_n)) << i << "/" << n;
    auto proof = tree.consistency_proof(m, n);
    ASSERT_TRUE(proof);
    EXPECT_TRUE(verify_consistency(m, n, root_m, root_n, *proof)) << m << "->" << n;
    EXPECT_EQ(*proof, testing::reference::proof(m, std::span(leaves).first(n))) << m << "->" << n;
    for (std::size_t j = 0; j < proof->size(); ++j) {
      auto bad = *proof;
      bad[j] = flipped(bad[j], rng());
      EXPECT_FALSE(verify_consistency(m, n, root_m, root_n, bad));
    }
    for (std::size_t j = 0; j < path->size(); ++j) {
      auto bad = *path;
      bad[j] = flipped(bad[j], rng());
      EXPECT_FALSE(verify_inclusion(leaves[i], i, n, bad, root_n));
    }
  }
}

}  // namespace
}  // namespace bw::audit
