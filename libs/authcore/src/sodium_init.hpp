// sodium_init() once per process, before any libsodium call. Aborts if libsodium cannot
// initialise (no usable randomness): nothing in this library could work safely without it.
#pragma once

namespace bw::authcore::detail {

void ensure_sodium();

}  // namespace bw::authcore::detail
