// The audit service's error codes: stable numbers in bw::Error::code, one per answer a
// caller can see (grpc_service.cpp maps them to gRPC status codes). Errors from the store
// (bw::sql::Errc) and from libs/audit (bw::audit::Errc) use numbers of their own; they are
// translated here, at the edge of each, so codes of two components are never confused.
#pragma once

#include <string>

#include "bw/result.hpp"

namespace bw::auditsvc {

enum class Errc : int {
  kInvalidArgument = 1,     // a malformed request (bad ids, limits, an invalid event)
  kNotFound = 2,            // no such tenant log, event, checkpoint or key
  kFailedPrecondition = 3,  // a tree size beyond the committed log
  kUnavailable = 4,         // the database is away or busy, a deadline passed: retry
  kInternal = 5,            // a bug or a broken invariant (logged)
};

inline Error make_error(Errc code, std::string message) { return Error{static_cast<int>(code), std::move(message)}; }
inline bool has_code(const Error& e, Errc code) { return e.code == static_cast<int>(code); }

// A store error (bw::sql::Errc) as a service error, its message prefixed with `what`.
Error from_store(const Error& e, const std::string& what);
// A libs/audit error (bw::audit::Errc) as a service error.
Error from_audit(const Error& e, const std::string& what);

}  // namespace bw::auditsvc
