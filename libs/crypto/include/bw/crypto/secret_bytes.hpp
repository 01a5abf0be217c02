// SecretBytes: an owned byte buffer for key material (private keys, shared secrets, derived
// keys). Guarantees:
//  - the bytes are overwritten with OPENSSL_cleanse before their memory is released: on
//    destruction, on wipe(), and when a SecretBytes is move-assigned over;
//  - the size is fixed at construction, so the buffer never reallocates and never leaves a
//    stale copy behind in freed memory;
//  - nothing copies it implicitly (copying is clone()); moving hands the buffer over, so the
//    moved-from object holds no bytes at all (it is empty, not a second copy).
// It does not lock pages into memory or keep the bytes out of core dumps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "bw/bytes.hpp"

namespace bw::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  // size zero bytes. Aborts if memory cannot be allocated (like new without exceptions).
  explicit SecretBytes(std::size_t size);
  // A copy of bytes (the caller remains responsible for wiping its own copy).
  explicit SecretBytes(ByteView bytes);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // An explicit copy, for the rare case two owners need the same secret.
  SecretBytes clone() const;

  // Erases the bytes now and releases them; afterwards the object is empty.
  void wipe() noexcept;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::uint8_t* begin() { return data_; }
  std::uint8_t* end() { return data_ + size_; }
  const std::uint8_t* begin() const { return data_; }
  const std::uint8_t* end() const { return data_ + size_; }

  // Borrowed views; valid until the SecretBytes is wiped, moved from or destroyed.
  std::span<std::uint8_t> span() { return {data_, size_}; }
  ByteView view() const { return {data_, size_}; }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace bw::crypto
