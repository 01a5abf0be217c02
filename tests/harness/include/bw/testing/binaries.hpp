// Where system tests find the project's own built programs: $BW_BIN_DIR, which
// bw_add_test sets to <build>/bin for every test.
#pragma once

#include <filesystem>
#include <string_view>

#include "bw/result.hpp"

namespace bw::testing {

// $BW_BIN_DIR/<name> if it exists and is executable. Errors: kNotFound (BW_BIN_DIR unset,
// or no such executable — the message names the path, so a missing build target is obvious).
Result<std::filesystem::path> built_binary(std::string_view name);

}  // namespace bw::testing
