// The harness's error codes (bw::Error::code). Test fixtures report failures as values so a
// test can ASSERT on them and print the message, which always carries the server's log tail
// or the failing system call.
#pragma once

#include <string>

#include "bw/result.hpp"

namespace bw::testing {

enum class HarnessErrc : int {
  kSystem = 1,       // a system call failed (message names it and errno)
  kTimeout = 2,      // a process did not exit, or a server did not answer, in time
  kStartFailed = 3,  // a server exited or never became ready (message holds its log)
  kNotFound = 4,     // a program or system user does not exist
};

inline Error harness_error(HarnessErrc code, std::string message) {
  return Error{static_cast<int>(code), std::move(message)};
}

// "<what>: <strerror(errno)>" as a kSystem error; reads errno itself.
Error system_error(const std::string& what);

}  // namespace bw::testing
