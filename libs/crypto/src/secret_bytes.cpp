// SecretBytes: see secret_bytes.hpp. Memory comes from OPENSSL_malloc and goes back through
// OPENSSL_clear_free, which cleanses before freeing; that is the only release path.
#include "bw/crypto/secret_bytes.hpp"

#include <openssl/crypto.h>

#include <cstring>
#include <utility>

#include "openssl_util.hpp"

namespace bw::crypto {
namespace {

std::uint8_t* allocate_zeroed(std::size_t size) {
  if (size == 0) return nullptr;
  auto* p = static_cast<std::uint8_t*>(OPENSSL_zalloc(size));
  if (p == nullptr) detail::fatal("SecretBytes: out of memory");
  return p;
}

}  // namespace

SecretBytes::SecretBytes(std::size_t size) : data_(allocate_zeroed(size)), size_(size) {}

SecretBytes::SecretBytes(ByteView bytes) : SecretBytes(bytes.size()) {
  if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
}

SecretBytes::~SecretBytes() { wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes SecretBytes::clone() const { return SecretBytes(view()); }

void SecretBytes::wipe() noexcept {
  if (data_ != nullptr) OPENSSL_clear_free(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

}  // namespace bw::crypto
