// sodium_init() once per process: see sodium_init.hpp.
#include "sodium_init.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace bw::authcore::detail {

void ensure_sodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("bw::authcore: fatal: sodium_init failed\n", stderr);
      std::abort();
    }
    return true;
  }();
  static_cast<void>(ready);
}

}  // namespace bw::authcore::detail
