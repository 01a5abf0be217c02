// Proof generation (merkle.hpp), RFC 6962 §2.1.1 PATH and §2.1.2 PROOF/SUBPROOF, written as
// loops that walk down from the root: each step keeps the half that holds the leaf (or the
// old size) and emits the MTH of the other half; the list is reversed at the end so that it
// runs from the bottom up, as the RFC orders it.
//
// Every MTH of a range comes from LeafWindow::subtree: a cached perfect subtree when the
// TileCache has it, else the root of at most one tile's leaves, else a split at the RFC's k.
// Splitting a tile-aligned range at k keeps both halves tile-aligned, so below the cache only
// the tiles the proof passes through are read, each at most once per call.
#include <algorithm>
#include <map>

#include "bw/audit/errors.hpp"
#include "bw/audit/merkle.hpp"
#include "merkle_detail.hpp"

namespace bw::audit {
namespace {

constexpr std::uint64_t kChunkLeaves = 16384;  // leaves per source call while filling the cache

// Reads the leaf hashes [begin, end) and checks that the source kept its contract.
Result<std::vector<Hash>> read_leaves(LeafHashSource& source, std::uint64_t begin, std::uint64_t end) {
  auto leaves = source.leaf_hashes(begin, end);
  if (!leaves) return leaves.error();
  if (leaves->size() != end - begin) {
    return make_error(Errc::kSource, "leaf hash source returned " + std::to_string(leaves->size()) +
                                         " hashes for leaves [" + std::to_string(begin) + ", " +
                                         std::to_string(end) + ")");
  }
  return leaves;
}

// One call's view of the tree of `limit` leaves: the cache plus the tiles read so far.
class LeafWindow {
 public:
  LeafWindow(LeafHashSource& source, const TileCache& cache, std::uint64_t limit)
      : source_(source), cache_(cache), limit_(limit) {}

  // MTH(D[begin:end]), begin < end ≤ limit.
  Result<Hash> subtree(std::uint64_t begin, std::uint64_t end) {
    const std::uint64_t n = end - begin;
    if (auto cached = cache_.perfect(begin, n)) return *cached;
    if (n <= cache_.tile_size()) return small_root(begin, end);
    const std::uint64_t k = detail::split_point(n);
    auto left = subtree(begin, begin + k);
    if (!left) return left;
    auto right = subtree(begin + k, end);
    if (!right) return right;
    return node_hash(*left, *right);
  }

 private:
  // MTH of a range of at most one tile's length, from the (memoised) tiles it touches.
  Result<Hash> small_root(std::uint64_t begin, std::uint64_t end) {
    std::vector<Hash> leaves;
    leaves.reserve(end - begin);
    const std::uint64_t size = cache_.tile_size();
    for (std::uint64_t t = begin / size; t <= (end - 1) / size; ++t) {
      auto tile = tile_leaves(t);
      if (!tile) return tile.error();
      const std::uint64_t first = std::max(begin, t * size) - t * size;
      const std::uint64_t last = std::min(end, (t + 1) * size) - t * size;
      leaves.insert(leaves.end(), (*tile)->begin() + static_cast<std::ptrdiff_t>(first),
                    (*tile)->begin() + static_cast<std::ptrdiff_t>(last));
    }
    return root_of(leaves);
  }

  // The leaves of tile t, cut at limit; read from the source once per call.
  Result<const std::vector<Hash>*> tile_leaves(std::uint64_t t) {
    auto it = tiles_.find(t);
    if (it == tiles_.end()) {
      const std::uint64_t size = cache_.tile_size();
      auto leaves = read_leaves(source_, t * size, std::min((t + 1) * size, limit_));
      if (!leaves) return leaves.error();
      it = tiles_.emplace(t, std::move(*leaves)).first;
    }
    return &it->second;
  }

  LeafHashSource& source_;
  const TileCache& cache_;
  std::uint64_t limit_;
  std::map<std::uint64_t, std::vector<Hash>> tiles_;
};

Error out_of_range(const std::string& what) { return make_error(Errc::kInvalidArgument, what); }

}  // namespace

Status MerkleTree::extend_cache(std::uint64_t size) {
  const std::uint64_t tile = cache_.tile_size();
  const std::uint64_t target = size / tile;
  const std::uint64_t chunk = std::max<std::uint64_t>(1, kChunkLeaves / tile);  // whole tiles
  while (cache_.tile_count() < target) {
    const std::uint64_t count = std::min(target - cache_.tile_count(), chunk);
    const std::uint64_t begin = cache_.covered_leaves();
    auto leaves = read_leaves(source_, begin, begin + count * tile);
    if (!leaves) return leaves.error();
    const std::span<const Hash> all(*leaves);
    for (std::uint64_t i = 0; i < count; ++i) cache_.push_tile(root_of(all.subspan(i * tile, tile)));
  }
  return {};
}

Result<Hash> MerkleTree::root(std::uint64_t size) {
  if (size == 0) return empty_root();
  return range_root(0, size);
}

Result<Hash> MerkleTree::range_root(std::uint64_t begin, std::uint64_t end) {
  if (begin >= end) return out_of_range("range [" + std::to_string(begin) + ", " + std::to_string(end) + ") is empty");
  if (auto st = extend_cache(end); !st) return st.error();
  return LeafWindow(source_, cache_, end).subtree(begin, end);
}

Result<std::vector<Hash>> MerkleTree::inclusion_proof(std::uint64_t index, std::uint64_t size) {
  if (index >= size) {
    return out_of_range("leaf index " + std::to_string(index) + " is not below tree size " + std::to_string(size));
  }
  if (auto st = extend_cache(size); !st) return st.error();
  LeafWindow window(source_, cache_, size);
  std::vector<Hash> path;
  std::uint64_t begin = 0;
  std::uint64_t end = size;
  while (end - begin > 1) {
    const std::uint64_t mid = begin + detail::split_point(end - begin);
    const bool left = index < mid;
    auto sibling = left ? window.subtree(mid, end) : window.subtree(begin, mid);
    if (!sibling) return sibling.error();
    path.push_back(*sibling);
    (left ? end : begin) = mid;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

Result<std::vector<Hash>> MerkleTree::consistency_proof(std::uint64_t size1, std::uint64_t size2) {
  if (size1 == 0 || size1 > size2) {
    return out_of_range("consistency needs 1 <= size1 <= size2, got " + std::to_string(size1) + " and " +
                        std::to_string(size2));
  }
  if (auto st = extend_cache(size2); !st) return st.error();
  LeafWindow window(source_, cache_, size2);
  std::vector<Hash> proof;
  std::uint64_t begin = 0;
  std::uint64_t end = size2;
  bool whole_old_tree = true;  // SUBPROOF's b: this range is still the old tree's own root
  while (size1 != end) {
    const std::uint64_t mid = begin + detail::split_point(end - begin);
    const bool left = size1 <= mid;
    auto other = left ? window.subtree(mid, end) : window.subtree(begin, mid);
    if (!other) return other.error();
    proof.push_back(*other);
    if (left) {
      end = mid;
    } else {
      begin = mid;
      whole_old_tree = false;
    }
  }
  if (!whole_old_tree) {
    auto last = window.subtree(begin, end);
    if (!last) return last.error();
    proof.push_back(*last);
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

}  // namespace bw::audit
