// Fuzzes the strict base64url decoder: any input decodes or is refused, never crashes; and
// whatever decodes re-encodes to exactly the input (the decoder accepts only canonical text).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bw/crypto/base64url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = bw::crypto::base64url_decode(text);
  if (decoded && bw::crypto::base64url_encode(decoded.value()) != text) std::abort();
  return 0;
}
