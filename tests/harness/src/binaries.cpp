// built_binary: $BW_BIN_DIR lookup.
#include "bw/testing/binaries.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "bw/testing/errors.hpp"

namespace bw::testing {

Result<std::filesystem::path> built_binary(std::string_view name) {
  const char* dir = std::getenv("BW_BIN_DIR");
  if (dir == nullptr || *dir == '\0') {
    return harness_error(HarnessErrc::kNotFound, "BW_BIN_DIR is not set (run through ctest)");
  }
  std::filesystem::path path = std::filesystem::path(dir) / std::string(name);
  if (::access(path.c_str(), X_OK) != 0) {
    return harness_error(HarnessErrc::kNotFound, "not built or not executable: " + path.string());
  }
  return path;
}

}  // namespace bw::testing
