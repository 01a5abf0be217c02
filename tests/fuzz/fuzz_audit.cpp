// Fuzzes libs/audit's untrusted inputs: any bytes are refused or accepted without a crash, a
// hang or a leak; an accepted event re-encodes to exactly the same bytes; proof verifiers
// answer false for anything malformed; and generated proofs verify while a corrupted copy
// does not. The first byte picks what the rest is:
//   0: an event encoding (decode, then encode must give the input back);
//   1: verify_inclusion: index(8) ‖ size(8) ‖ chunks leaf, root, path…;
//   2: verify_consistency: size1(8) ‖ size2(8) ‖ chunks root1, root2, path…;
//   3: generation: tile_bits(1) ‖ n(1) ‖ a(1) ‖ b(1) ‖ flip(1), over a tree of n fake leaves.
// A chunk is len(1) ‖ len bytes, so hashes of every length reach the verifiers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "bw/audit/event.hpp"
#include "bw/audit/merkle.hpp"

namespace {

using bw::ByteView;
using namespace bw::audit;

std::uint64_t take_u64(ByteView& in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8 && !in.empty(); ++i) {
    v = (v << 8) | in[0];
    in = in.subspan(1);
  }
  return v;
}

std::vector<ByteView> take_chunks(ByteView in) {
  std::vector<ByteView> out;
  while (!in.empty()) {
    const std::size_t n = std::min<std::size_t>(in[0], in.size() - 1);
    out.push_back(in.subspan(1, n));
    in = in.subspan(1 + n);
  }
  while (out.size() < 2) out.emplace_back();
  return out;
}

void event_round_trip(ByteView in) {
  auto e = decode_event(in);
  if (!e) return;
  auto again = encode_event(*e);
  if (!again || *again != bw::Bytes(in.begin(), in.end())) std::abort();
}

void inclusion(ByteView in) {
  const std::uint64_t index = take_u64(in);
  const std::uint64_t size = take_u64(in);
  const auto chunks = take_chunks(in);
  const std::span<const ByteView> path(chunks.begin() + 2, chunks.end());
  (void)verify_inclusion(chunks[0], index, size, path, chunks[1]);
}

void consistency(ByteView in) {
  const std::uint64_t size1 = take_u64(in);
  const std::uint64_t size2 = take_u64(in);
  const auto chunks = take_chunks(in);
  const std::span<const ByteView> path(chunks.begin() + 2, chunks.end());
  (void)verify_consistency(size1, size2, chunks[0], chunks[1], path);
}

class Leaves : public LeafHashSource {
 public:
  explicit Leaves(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) leaves_.push_back(leaf_hash(ByteView(reinterpret_cast<std::uint8_t*>(&i), 8)));
  }
  bw::Result<std::vector<Hash>> leaf_hashes(std::uint64_t begin, std::uint64_t end) override {
    return std::vector<Hash>(leaves_.begin() + static_cast<std::ptrdiff_t>(begin),
                             leaves_.begin() + static_cast<std::ptrdiff_t>(end));
  }
  const std::vector<Hash>& all() const { return leaves_; }

 private:
  std::vector<Hash> leaves_;
};

// Corrupts one byte of one proof hash (flip ≠ 0), or returns false when there is none.
bool corrupt(std::vector<Hash>& proof, std::uint8_t where, std::uint8_t flip) {
  if (proof.empty() || flip == 0) return false;
  proof[where % proof.size()][where % kHashSize] ^= flip;
  return true;
}

void generation(ByteView in) {
  if (in.size() < 5) return;
  const unsigned bits = in[0] % 5;
  const std::uint64_t n = 1 + in[1];
  const std::uint64_t a = in[2] % n;
  const std::uint64_t m = 1 + in[3] % n;
  Leaves source(n);
  TileCache cache(bits);
  MerkleTree tree(source, cache);
  const Hash root = root_of(source.all());
  const Hash root_m = root_of(std::span(source.all()).first(m));
  auto path = tree.inclusion_proof(a, n);
  auto proof = tree.consistency_proof(m, n);
  if (!path || !proof || *tree.root(n) != root) std::abort();
  if (!verify_inclusion(source.all()[a], a, n, *path, root)) std::abort();
  if (!verify_consistency(m, n, root_m, root, *proof)) std::abort();
  if (corrupt(*path, in[2], in[4]) && verify_inclusion(source.all()[a], a, n, *path, root)) std::abort();
  if (corrupt(*proof, in[3], in[4]) && verify_consistency(m, n, root_m, root, *proof)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const ByteView rest(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      event_round_trip(rest);
      break;
    case 1:
      inclusion(rest);
      break;
    case 2:
      consistency(rest);
      break;
    default:
      generation(rest);
      break;
  }
  return 0;
}
