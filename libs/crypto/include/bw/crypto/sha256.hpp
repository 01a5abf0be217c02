// SHA-256 (FIPS 180-4) over OpenSSL EVP, one-shot and incremental. Hashing memory cannot
// fail for a reason a caller could act on, so these functions return the digest directly and
// abort the process if OpenSSL itself breaks (never a wrong or partial digest).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "bw/bytes.hpp"

struct evp_md_ctx_st;

namespace bw::crypto {

inline constexpr std::size_t kSha256Size = 32;
using Sha256Digest = std::array<std::uint8_t, kSha256Size>;

// SHA-256 of data.
Sha256Digest sha256(ByteView data);

// Incremental SHA-256: update() any number of times, then finish(). finish() returns the digest
// of everything fed since construction (or the previous finish()) and starts a fresh hash.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&& other) noexcept;
  Sha256& operator=(Sha256&& other) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(ByteView data);
  Sha256Digest finish();

 private:
  evp_md_ctx_st* ctx_ = nullptr;
};

}  // namespace bw::crypto
