// Small arithmetic shared by the Merkle sources; private to libs/audit.
#pragma once

#include <bit>
#include <cstdint>

namespace bw::audit::detail {

// The largest power of two strictly less than n (RFC 6962's k), for n ≥ 2.
constexpr std::uint64_t split_point(std::uint64_t n) { return std::bit_floor(n - 1); }

}  // namespace bw::audit::detail
