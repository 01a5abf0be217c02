// system_error: errno as a harness Error.
#include "bw/testing/errors.hpp"

#include <cerrno>
#include <cstring>

namespace bw::testing {

Error system_error(const std::string& what) {
  int err = errno;
  return harness_error(HarnessErrc::kSystem, what + ": " + std::strerror(err));
}

}  // namespace bw::testing
