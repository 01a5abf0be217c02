// Test helpers for the Merkle tests: an in-memory LeafHashSource that counts what it is asked
// for and can be told to fail or to misbehave, and a reference implementation written
// directly from RFC 6962 §2.1 (recursive MTH, PATH, SUBPROOF over a vector, no cache) that
// the cached generator is compared against.
#pragma once

#include <cstdint>
#include <vector>

#include "bw/audit/errors.hpp"
#include "bw/audit/merkle.hpp"

namespace bw::audit::testing {

// Leaf hashes held in memory.
class FakeSource : public LeafHashSource {
 public:
  explicit FakeSource(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {}

  Result<std::vector<Hash>> leaf_hashes(std::uint64_t begin, std::uint64_t end) override {
    ++calls;
    if (fail) return Error{99, "source is away"};
    if (begin >= end || end > leaves_.size()) return Error{98, "range outside the tree"};
    leaves_read += end - begin;
    const auto first = leaves_.begin() + static_cast<std::ptrdiff_t>(begin);
    std::vector<Hash> out(first, first + static_cast<std::ptrdiff_t>(end - begin));
    if (short_answer) out.pop_back();
    return out;
  }

  void append(const Hash& h) { leaves_.push_back(h); }
  const std::vector<Hash>& leaves() const { return leaves_; }
  void reset_counts() { calls = leaves_read = 0; }

  std::uint64_t calls = 0;
  std::uint64_t leaves_read = 0;
  bool fail = false;
  bool short_answer = false;  // return one hash fewer than asked (a broken source)

 private:
  std::vector<Hash> leaves_;
};

// Distinct, cheap leaf hashes (the tree never looks inside them): i in the first 8 bytes.
inline Hash fake_leaf(std::uint64_t i) {
  Hash h{};
  for (int b = 0; b < 8; ++b) h[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(i >> (8 * b));
  h[31] = 0xA5;
  return h;
}

inline std::vector<Hash> fake_leaves(std::uint64_t n) {
  std::vector<Hash> out;
  out.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) out.push_back(fake_leaf(i));
  return out;
}

// RFC 6962 §2.1 transcribed, for comparison.
namespace reference {

inline std::size_t k_of(std::size_t n) {
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

inline Hash mth(std::span<const Hash> d) {
  if (d.empty()) return empty_root();
  if (d.size() == 1) return d[0];
  const std::size_t k = k_of(d.size());
  return node_hash(mth(d.first(k)), mth(d.subspan(k)));
}

inline std::vector<Hash> path(std::size_t m, std::span<const Hash> d) {
  if (d.size() <= 1) return {};
  const std::size_t k = k_of(d.size());
  std::vector<Hash> out = m < k ? path(m, d.first(k)) : path(m - k, d.subspan(k));
  out.push_back(m < k ? mth(d.subspan(k)) : mth(d.first(k)));
  return out;
}

inline std::vector<Hash> subproof(std::size_t m, std::span<const Hash> d, bool b) {
  if (m == d.size()) return b ? std::vector<Hash>{} : std::vector<Hash>{mth(d)};
  const std::size_t k = k_of(d.size());
  std::vector<Hash> out = m <= k ? subproof(m, d.first(k), b) : subproof(m - k, d.subspan(k), false);
  out.push_back(m <= k ? mth(d.subspan(k)) : mth(d.first(k)));
  return out;
}

inline std::vector<Hash> proof(std::size_t m, std::span<const Hash> d) { return subproof(m, d, true); }

}  // namespace reference
}  // namespace bw::audit::testing
