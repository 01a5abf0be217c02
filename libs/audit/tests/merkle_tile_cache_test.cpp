// The tile cache: same answers as the uncached RFC computation, still right as the tree grows
// and when asked about sizes below what it covers, few leaves read once warm, restorable from
// persisted tile hashes; and the generator's argument and source error contracts.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <random>

#include "merkle_test_util.hpp"

namespace bw::audit {
namespace {

using testing::FakeSource;
namespace reference = testing::reference;

TEST(TileCache, PerfectAnswersOnlyAlignedCachedPowerOfTwoGroups) {
  TileCache cache(2);  // tiles of 4 leaves
  for (std::uint64_t t = 0; t < 3; ++t) cache.push_tile(testing::fake_leaf(t));
  EXPECT_EQ(cache.covered_leaves(), 12u);
  EXPECT_EQ(cache.perfect(0, 4), testing::fake_leaf(0));
  EXPECT_EQ(cache.perfect(8, 4), testing::fake_leaf(2));
  EXPECT_EQ(cache.perfect(0, 8), node_hash(testing::fake_leaf(0), testing::fake_leaf(1)));
  EXPECT_FALSE(cache.perfect(12, 4));  // tile 3 not complete
  EXPECT_FALSE(cache.perfect(8, 8));   // tiles 2–3: tile 3 missing
  EXPECT_FALSE(cache.perfect(4, 8));   // not aligned to its size
  EXPECT_FALSE(cache.perfect(2, 4));   // not tile-aligned
  EXPECT_FALSE(cache.perfect(0, 2));   // below a tile
  EXPECT_FALSE(cache.perfect(0, 12));  // not a power of two
}

TEST(TileCache, SameAnswersAsUncachedAroundTileBoundaries) {
  const auto leaves = testing::fake_leaves(1100);
  for (std::uint64_t n : {1u, 255u, 256u, 257u, 511u, 512u, 513u, 768u, 1024u, 1025u, 1100u}) {
    FakeSource source(leaves);
    TileCache cache;
    MerkleTree tree(source, cache);
    const auto d = std::span(leaves).first(n);
    EXPECT_EQ(*tree.root(n), reference::mth(d)) << n;
    for (std::uint64_t i : {std::uint64_t{0}, n / 3, n / 2, n - 1}) {
      EXPECT_EQ(*tree.inclusion_proof(i, n), reference::path(i, d)) << i << "/" << n;
      EXPECT_EQ(*tree.consistency_proof(i + 1, n), reference::proof(i + 1, d)) << i + 1 << "->" << n;
    }
  }
}

TEST(TileCache, StaysCorrectAsTheTreeGrows) {
  FakeSource source({});
  TileCache cache(3);  // tiles of 8
  MerkleTree tree(source, cache);
  std::vector<Hash> roots{empty_root()};
  std::mt19937_64 rng(7);
  for (std::uint64_t n = 1; n <= 600; ++n) {
    source.append(testing::fake_leaf(n * 7919));
    roots.push_back(root_of(source.leaves()));
    auto root = tree.root(n);
    ASSERT_TRUE(root);
    ASSERT_EQ(*root, roots[n]) << n;
    EXPECT_EQ(cache.tile_count(), n / 8);
    const std::uint64_t i = rng() % n;
    EXPECT_TRUE(verify_inclusion(source.leaves()[i], i, n, *tree.inclusion_proof(i, n), roots[n]));
    const std::uint64_t m = 1 + rng() % n;
    EXPECT_TRUE(verify_consistency(m, n, roots[m], roots[n], *tree.consistency_proof(m, n)));
  }
  // The cache now covers 600 leaves; questions about smaller trees must not use tiles beyond them.
  for (std::uint64_t n : {1u, 7u, 8u, 9u, 100u, 599u}) EXPECT_EQ(*tree.root(n), roots[n]) << n;
}

TEST(TileCache, RestoredFromPersistedTilesNeedsNoReadsForThem) {
  const auto leaves = testing::fake_leaves(5000);
  FakeSource source(leaves);
  TileCache warm;
  ASSERT_TRUE(MerkleTree(source, warm).root(5000));
  TileCache restored;
  for (const Hash& t : warm.tiles()) restored.push_tile(t);
  source.reset_counts();
  auto root = MerkleTree(source, restored).root(5000);
  ASSERT_TRUE(root);
  EXPECT_EQ(*root, reference::mth(leaves));
  EXPECT_EQ(source.leaves_read, 5000u % 256u);  // only the incomplete last tile
}

TEST(TileCache, MillionLeafTreeReadsAtMostTwoTilesPerProof) {
  constexpr std::uint64_t kSize = 1'000'000;
  FakeSource source(testing::fake_leaves(kSize));
  TileCache cache;
  MerkleTree tree(source, cache);
  const auto start = std::chrono::steady_clock::now();
  auto root = tree.root(kSize);  // warms the cache: every complete tile is read once
  const auto warm = std::chrono::steady_clock::now();
  ASSERT_TRUE(root);
  EXPECT_EQ(source.leaves_read, kSize);
  std::mt19937_64 rng(1);
  for (int round = 0; round < 20; ++round) {
    const std::uint64_t i = rng() % kSize;
    const std::uint64_t m = 1 + rng() % kSize;
    source.reset_counts();
    auto path = tree.inclusion_proof(i, kSize);
    ASSERT_TRUE(path);
    EXPECT_LE(source.leaves_read, 2 * cache.tile_size());
    EXPECT_LE(source.calls, 2u);
    EXPECT_TRUE(verify_inclusion(source.leaves()[i], i, kSize, *path, *root));
    source.reset_counts();
    auto proof = tree.consistency_proof(m, kSize);
    ASSERT_TRUE(proof);
    EXPECT_LE(source.leaves_read, 2 * cache.tile_size());
    EXPECT_TRUE(verify_consistency(m, kSize, *tree.root(m), *root, *proof));
  }
  const auto done = std::chrono::steady_clock::now();
  using ms = std::chrono::duration<double, std::milli>;
  std::cout << "[ timing ] 1M leaves: cold root " << ms(warm - start).count() << " ms; 20 warm rounds "
            << ms(done - warm).count() << " ms\n";
}

TEST(TileCache, TilesLargerThanOneSourceReadStillWork) {
  const auto leaves = testing::fake_leaves(70000);
  FakeSource source(leaves);
  TileCache cache(15);  // 32,768 leaves per tile: two complete tiles, each its own read
  MerkleTree tree(source, cache);
  EXPECT_EQ(*tree.root(70000), reference::mth(leaves));
  EXPECT_EQ(cache.tile_count(), 2u);
  EXPECT_EQ(*tree.inclusion_proof(40000, 70000), reference::path(40000, leaves));
}

TEST(MerkleTree, RejectsOutOfRangeArguments) {
  FakeSource source(testing::fake_leaves(10));
  TileCache cache;
  MerkleTree tree(source, cache);
  EXPECT_TRUE(has_code(tree.inclusion_proof(10, 10).error(), Errc::kInvalidArgument));
  EXPECT_TRUE(has_code(tree.inclusion_proof(0, 0).error(), Errc::kInvalidArgument));
  EXPECT_TRUE(has_code(tree.consistency_proof(0, 5).error(), Errc::kInvalidArgument));
  EXPECT_TRUE(has_code(tree.consistency_proof(6, 5).error(), Errc::kInvalidArgument));
  EXPECT_TRUE(has_code(tree.range_root(4, 4).error(), Errc::kInvalidArgument));
  EXPECT_TRUE(tree.consistency_proof(5, 5)->empty());
  EXPECT_EQ(source.calls, 0u);
}

TEST(MerkleTree, PassesSourceErrorsThroughUnchanged) {
  FakeSource source(testing::fake_leaves(1000));
  source.fail = true;
  TileCache cache;
  MerkleTree tree(source, cache);
  auto path = tree.inclusion_proof(3, 1000);
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().code, 99);
  EXPECT_EQ(tree.consistency_proof(3, 5).error().code, 99);
  EXPECT_EQ(tree.root(7).error().code, 99);
  EXPECT_EQ(cache.tile_count(), 0u);
}

TEST(MerkleTree, RefusesASourceThatAnswersTheWrongCount) {
  FakeSource source(testing::fake_leaves(1000));
  source.short_answer = true;
  TileCache cache;
  MerkleTree tree(source, cache);
  EXPECT_TRUE(has_code(tree.root(1000).error(), Errc::kSource));
  EXPECT_TRUE(has_code(tree.inclusion_proof(1, 5).error(), Errc::kSource));
  EXPECT_EQ(cache.tile_count(), 0u);
}

TEST(MerkleTree, RangeRootOfAnyRange) {
  const auto leaves = testing::fake_leaves(700);
  FakeSource source(leaves);
  TileCache cache(4);
  MerkleTree tree(source, cache);
  for (auto [b, e] : {std::pair{0u, 700u}, {3u, 4u}, {16u, 48u}, {5u, 650u}, {256u, 512u}, {699u, 700u}}) {
    EXPECT_EQ(*tree.range_root(b, e), root_of(std::span(leaves).subspan(b, e - b))) << b << ".." << e;
  }
}

}  // namespace
}  // namespace bw::audit
