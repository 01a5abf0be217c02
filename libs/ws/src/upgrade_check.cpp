// Upgrade decision (see upgrade_check.hpp).
#include "upgrade_check.hpp"

#include "bw/http/policy.hpp"

namespace bw::ws {

Refusal check_upgrade(const UpgradeView& request, const UpgradeRules& rules) {
  // A token in the URL must never be accepted, whatever the path: refuse any '?' or '#'.
  if (request.target.find_first_of("?#") != std::string_view::npos) return Refusal::kQuery;
  if (request.target != rules.path) return Refusal::kPath;
  if (!request.is_upgrade) return Refusal::kNotUpgrade;
  if (request.host_count != 1 || !request.host || !http::host_allowed(*request.host, rules.allowed_hosts)) {
    return Refusal::kHost;
  }
  if (request.origin_count > 1) return Refusal::kOrigin;
  if (!http::origin_allowed(request.origin, rules.allowed_origins, rules.allow_missing_origin)) return Refusal::kOrigin;
  return Refusal::kNone;
}

unsigned refusal_status(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone: return 101;
    case Refusal::kQuery: return 400;
    case Refusal::kPath: return 404;
    case Refusal::kNotUpgrade: return 426;
    case Refusal::kHost:
    case Refusal::kOrigin: return 403;
  }
  return 400;
}

}  // namespace bw::ws
