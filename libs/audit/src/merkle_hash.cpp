// RFC 6962 hashing and in-memory roots (merkle.hpp).
#include <algorithm>
#include <array>
#include <bit>

#include "bw/audit/merkle.hpp"
#include "merkle_detail.hpp"
#include "bw/crypto/sha256.hpp"

namespace bw::audit {
namespace {

// One reusable context per thread: a proof hashes thousands of 65-byte nodes, and creating
// an OpenSSL context (and fetching SHA-256) per hash costs more than the hash itself.
crypto::Sha256& hasher() {
  thread_local crypto::Sha256 h;
  return h;
}

}  // namespace

Hash leaf_hash(ByteView data) {
  const std::uint8_t prefix = 0x00;
  return hasher().update(ByteView(&prefix, 1)).update(data).finish();
}

Hash node_hash(const Hash& left, const Hash& right) {
  std::array<std::uint8_t, 1 + 2 * kHashSize> buf;
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf.begin() + 1);
  std::copy(right.begin(), right.end(), buf.begin() + 1 + kHashSize);
  return hasher().update(buf).finish();
}

Hash empty_root() { return crypto::sha256(ByteView()); }

Hash root_of(std::span<const Hash> leaves) {
  const std::size_t n = leaves.size();
  if (n == 0) return empty_root();
  if (n == 1) return leaves[0];
  const std::size_t k = detail::split_point(n);
  return node_hash(root_of(leaves.first(k)), root_of(leaves.subspan(k)));
}

}  // namespace bw::audit
