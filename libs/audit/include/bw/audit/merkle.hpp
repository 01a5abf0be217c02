// RFC 6962 Merkle trees for the audit log (DESIGN §6; RFC 9162 §2.1 describes the same
// hashes and proofs): hashing, proof generation over a LeafHashSource, and verification.
//
//   leaf hash  = SHA-256(0x00 ‖ leaf_data)
//   node hash  = SHA-256(0x01 ‖ left ‖ right)
//   MTH({})    = SHA-256("")                       (the empty tree)
//   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n]))    k = largest power of two < n
//
// Generation reads leaf hashes through a port (the audit service implements it over SQL) and
// keeps, in a TileCache, the hashes of complete tiles of 2^tile_bits leaves and of every
// aligned power-of-two group of tiles above them. Leaves are append-only, so a complete tile
// never changes and the cache stays valid as the tree grows; with a warm cache a proof in a
// tree of any size reads at most two tiles of leaf hashes (the tile holding the leaf or the
// old size, and the incomplete last tile).
//
// Verification (RFC 9162 §2.1.3.2, §2.1.4.2) needs no source: it takes hashes as byte views
// so that anything read off the wire can be passed as is. It answers true or false, never an
// error and never a crash: a hash that is not 32 bytes, an index ≥ size, size1 > size2, or a
// path of the wrong length is simply false.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bw/bytes.hpp"
#include "bw/result.hpp"

namespace bw::audit {

inline constexpr std::size_t kHashSize = 32;
using Hash = std::array<std::uint8_t, kHashSize>;

// SHA-256(0x00 ‖ data).
Hash leaf_hash(ByteView data);
// SHA-256(0x01 ‖ left ‖ right).
Hash node_hash(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of the tree of size 0.
Hash empty_root();
// MTH of the given leaf hashes, all in memory (empty_root() for none).
Hash root_of(std::span<const Hash> leaves);

// The port proof generation reads leaves through.
class LeafHashSource {
 public:
  virtual ~LeafHashSource() = default;
  // The hashes of leaves [begin, end) in order: exactly end - begin of them, begin < end.
  // It may fail (a database away); the error is returned to the caller of the proof unchanged.
  virtual Result<std::vector<Hash>> leaf_hashes(std::uint64_t begin, std::uint64_t end) = 0;
};

inline constexpr unsigned kDefaultTileBits = 8;  // tiles of 256 leaves
inline constexpr unsigned kMaxTileBits = 16;

// Hashes of complete tiles, and of aligned groups of 2^j tiles, for ONE append-only tree.
// Not thread-safe: one owner (e.g. the per-tenant state of the service) serialises use.
// Its memory is about 2 × 32 bytes per tile (≈ 250 KB for a million leaves at 256 per tile).
class TileCache {
 public:
  // Tiles of 2^tile_bits leaves; tile_bits must be in 0..kMaxTileBits (asserted; a larger
  // value is taken as kMaxTileBits when assertions are off).
  explicit TileCache(unsigned tile_bits = kDefaultTileBits);

  std::uint64_t tile_size() const { return std::uint64_t{1} << tile_bits_; }
  std::uint64_t tile_count() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // Leaves covered by cached tiles: [0, covered_leaves()).
  std::uint64_t covered_leaves() const { return tile_count() << tile_bits_; }
  // The complete-tile hashes, in order (for a service that persists them).
  std::span<const Hash> tiles() const;

  // Appends the MTH of the next tile, leaves [covered_leaves(), covered_leaves() + tile_size()).
  // The caller vouches for it (computed from the leaves, or restored from its own storage).
  void push_tile(const Hash& tile_root);

  // MTH of leaves [begin, begin + count) when that range is a cached, tile-aligned group of
  // a power-of-two number of tiles; otherwise nullopt.
  std::optional<Hash> perfect(std::uint64_t begin, std::uint64_t count) const;

 private:
  unsigned tile_bits_;
  std::vector<std::vector<Hash>> levels_;  // levels_[j][i]: MTH of tiles [i·2^j, (i+1)·2^j)
};

// Proof generation over a source, with a cache (RFC 6962 §2.1.1, §2.1.2). Each call first
// extends the cache with every complete tile below the sizes it is asked about (reading those
// leaves once, about 16,384 at a time), then reads only what the cache cannot answer.
// Contract: the source serves one append-only tree and the cache belongs to that tree.
// Errors: Errc::kInvalidArgument for arguments out of range; Errc::kSource when the source
// returns the wrong number of hashes; the source's own errors unchanged.
class MerkleTree {
 public:
  MerkleTree(LeafHashSource& source, TileCache& cache) : source_(source), cache_(cache) {}

  // MTH of the first size leaves (empty_root() for 0).
  Result<Hash> root(std::uint64_t size);
  // MTH(D[begin:end]) for begin < end.
  Result<Hash> range_root(std::uint64_t begin, std::uint64_t end);
  // PATH(index, D[0:size]), leaf to root; requires index < size.
  Result<std::vector<Hash>> inclusion_proof(std::uint64_t index, std::uint64_t size);
  // PROOF(size1, D[0:size2]); requires 1 ≤ size1 ≤ size2 (empty when they are equal).
  Result<std::vector<Hash>> consistency_proof(std::uint64_t size1, std::uint64_t size2);

 private:
  Status extend_cache(std::uint64_t size);

  LeafHashSource& source_;
  TileCache& cache_;
};

// RFC 9162 §2.1.3.2: true only if path proves that leaf_hash is leaf index of the tree of
// the given size whose root is root. index ≥ size, any hash not 32 bytes, or a path of the
// wrong length → false.
[[nodiscard]] bool verify_inclusion(ByteView leaf_hash, std::uint64_t index, std::uint64_t size,
                                    std::span<const ByteView> path, ByteView root);
[[nodiscard]] bool verify_inclusion(const Hash& leaf_hash, std::uint64_t index, std::uint64_t size,
                                    std::span<const Hash> path, const Hash& root);

// RFC 9162 §2.1.4.2: true only if path proves that the tree of size1 with root1 is a prefix
// of the tree of size2 with root2. size1 = size2 is true only for an empty path and equal
// roots; size1 = 0, size1 > size2, any hash not 32 bytes, or a wrong path → false.
[[nodiscard]] bool verify_consistency(std::uint64_t size1, std::uint64_t size2, ByteView root1,
                                      ByteView root2, std::span<const ByteView> path);
[[nodiscard]] bool verify_consistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1,
                                      const Hash& root2, std::span<const Hash> path);

}  // namespace bw::audit
