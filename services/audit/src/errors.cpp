// See errors.hpp.
#include "errors.hpp"

#include "bw/audit/errors.hpp"
#include "store/errors.hpp"

namespace bw::auditsvc {

Error from_store(const Error& e, const std::string& what) {
  using S = audit::store::Errc;
  Errc code = Errc::kInternal;
  switch (static_cast<S>(e.code)) {
    case S::kNotFound: code = Errc::kNotFound; break;
    case S::kInvalid: code = Errc::kInvalidArgument; break;
    case S::kUnavailable: code = Errc::kUnavailable; break;
    case S::kConflict:  // the log moved on under us (TenantLog retries once before this)
      code = Errc::kUnavailable;
      break;
    default: break;
  }
  return make_error(code, what + ": " + e.message);
}

Error from_audit(const Error& e, const std::string& what) {
  using A = audit::Errc;
  Errc code = Errc::kInternal;
  switch (static_cast<A>(e.code)) {
    case A::kInvalidArgument:
    case A::kMalformed:
    case A::kInvalidEvent: code = Errc::kInvalidArgument; break;
    default: break;
  }
  return make_error(code, what + ": " + e.message);
}

}  // namespace bw::auditsvc
