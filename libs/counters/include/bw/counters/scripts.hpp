// The Lua sources of the counter scripts, embedded at build time from
// libs/counters/scripts/*.lua (the one source of truth; CMake regenerates on change).
// Exposed so a benchmark can drive the very same script straight at Redis.
#pragma once

#include <string_view>

namespace bw::counters::scripts {

std::string_view fixed_window();
std::string_view gcra();
std::string_view lockout_record();
std::string_view lockout_check();
std::string_view lease_window();
std::string_view lease_gcra();

}  // namespace bw::counters::scripts
