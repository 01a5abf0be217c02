// TileCache (merkle.hpp): level 0 holds complete-tile roots in order; each level above holds
// the node hash of every aligned pair below it, appended as soon as the pair is complete, so
// every level is a prefix of the perfect subtrees of the tree and never needs rewriting.
#include <algorithm>
#include <bit>
#include <cassert>

#include "bw/audit/merkle.hpp"

namespace bw::audit {

TileCache::TileCache(unsigned tile_bits) : tile_bits_(std::min(tile_bits, kMaxTileBits)) {
  assert(tile_bits <= kMaxTileBits);
}

std::span<const Hash> TileCache::tiles() const {
  if (levels_.empty()) return {};
  return levels_[0];
}

void TileCache::push_tile(const Hash& tile_root) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(tile_root);
  for (std::size_t j = 0; levels_[j].size() % 2 == 0; ++j) {
    const std::vector<Hash>& level = levels_[j];
    const Hash parent = node_hash(level[level.size() - 2], level.back());
    if (j + 1 == levels_.size()) levels_.emplace_back();  // may move `level`: not used below
    levels_[j + 1].push_back(parent);
  }
}

std::optional<Hash> TileCache::perfect(std::uint64_t begin, std::uint64_t count) const {
  if (count < tile_size() || !std::has_single_bit(count) || begin % count != 0) return std::nullopt;
  const auto j = static_cast<std::size_t>(std::countr_zero(count)) - tile_bits_;
  const std::uint64_t index = begin / count;
  if (j >= levels_.size() || index >= levels_[j].size()) return std::nullopt;
  return levels_[j][index];
}

}  // namespace bw::audit
