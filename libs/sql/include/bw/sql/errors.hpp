// The SQL port's error codes: stable numbers carried in bw::Error::code so a service's store
// (and the service above it) can map them to answers and metrics. Messages name
// tables/constraints, never values (no token hashes, codes, keys or passwords). Stores reuse
// these codes for their own errors. Never renumber; add new codes at the end.
#pragma once

#include <string>
#include <string_view>

#include "bw/result.hpp"

namespace bw::sql {

enum class Errc : int {
  kNotFound = 1,       // no such row (for tenant-owned rows: none in that tenant)
  kConflict = 2,       // a unique key already exists, or a conditional update lost a race
  kConstraint = 3,     // another integrity rule refused the write (foreign key, check)
  kUnavailable = 4,    // the database could not be reached, was busy, or timed out; retryable
  kSchemaTooNew = 5,   // the database was migrated by a newer binary; refuse to run
  kInvalid = 6,        // rejected before reaching the database (bad argument)
  kInternal = 7,       // anything else the database said (a bug: bad SQL, wrong types)
};

std::string_view errc_name(Errc code);

inline Error make_error(Errc code, std::string message) {
  return Error{static_cast<int>(code), std::move(message)};
}

inline bool has_code(const Error& error, Errc code) { return error.code == static_cast<int>(code); }

}  // namespace bw::sql
