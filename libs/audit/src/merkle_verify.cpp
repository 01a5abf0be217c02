// Proof verification, RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), written
// step for step from the RFC's text. Every input is untrusted: lengths are checked before
// any hash is read, and every loop is bounded by the path length or by fn reaching 0.
#include <algorithm>
#include <bit>
#include <vector>

#include "bw/audit/merkle.hpp"

namespace bw::audit {
namespace {

bool is_hash(ByteView b) { return b.size() == kHashSize; }

Hash to_hash(ByteView b) {
  Hash h;
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

bool all_hashes(std::span<const ByteView> path) { return std::all_of(path.begin(), path.end(), is_hash); }

bool lsb(std::uint64_t x) { return (x & 1) != 0; }

// Right-shifts fn and sn equally until LSB(fn) is set or fn is 0 (the RFC's inner loop).
void shift_to_set_bit(std::uint64_t& fn, std::uint64_t& sn) {
  while (!lsb(fn) && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

std::vector<ByteView> views(std::span<const Hash> hashes) {
  std::vector<ByteView> out;
  out.reserve(hashes.size());
  for (const Hash& h : hashes) out.emplace_back(h);
  return out;
}

}  // namespace

bool verify_inclusion(ByteView leaf, std::uint64_t index, std::uint64_t size, std::span<const ByteView> path,
                      ByteView root) {
  if (index >= size || !is_hash(leaf) || !is_hash(root) || !all_hashes(path)) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = to_hash(leaf);
  for (const ByteView p : path) {
    if (sn == 0) return false;
    if (lsb(fn) || fn == sn) {
      r = node_hash(to_hash(p), r);
      shift_to_set_bit(fn, sn);
    } else {
      r = node_hash(r, to_hash(p));
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == to_hash(root);
}

bool verify_consistency(std::uint64_t size1, std::uint64_t size2, ByteView root1, ByteView root2,
                        std::span<const ByteView> path) {
  if (size1 == 0 || size1 > size2 || !is_hash(root1) || !is_hash(root2) || !all_hashes(path)) return false;
  if (size1 == size2) return path.empty() && std::equal(root1.begin(), root1.end(), root2.begin());
  if (path.empty()) return false;
  // When size1 is a power of two its root is a node of the larger tree: the path starts there.
  std::vector<ByteView> proof;
  proof.reserve(path.size() + 1);
  if (std::has_single_bit(size1)) proof.push_back(root1);
  proof.insert(proof.end(), path.begin(), path.end());
  std::uint64_t fn = size1 - 1;
  std::uint64_t sn = size2 - 1;
  while (lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = to_hash(proof[0]);
  Hash sr = fr;
  for (std::size_t i = 1; i < proof.size(); ++i) {
    if (sn == 0) return false;
    const Hash c = to_hash(proof[i]);
    if (lsb(fn) || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      shift_to_set_bit(fn, sn);
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == to_hash(root1) && sr == to_hash(root2) && sn == 0;
}

bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size, std::span<const Hash> path,
                      const Hash& root) {
  const auto v = views(path);
  return verify_inclusion(ByteView(leaf), index, size, v, ByteView(root));
}

bool verify_consistency(std::uint64_t size1, std::uint64_t size2, const Hash& root1, const Hash& root2,
                        std::span<const Hash> path) {
  const auto v = views(path);
  return verify_consistency(size1, size2, ByteView(root1), ByteView(root2), v);
}

}  // namespace bw::audit
