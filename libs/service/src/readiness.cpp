// Readiness bookkeeping (see readiness.hpp).
#include "bw/service/readiness.hpp"

#include <algorithm>

namespace bw::service {

void Readiness::add_check(std::string name, Check check) {
  std::lock_guard lock(mu_);
  checks_.emplace_back(std::move(name), std::move(check));
}

bool Readiness::poll() {
  std::vector<std::pair<std::string, Check>> checks;
  {
    std::lock_guard lock(mu_);
    checks = checks_;
  }
  std::vector<std::pair<std::string, bool>> results;
  for (auto& [name, check] : checks) {
    bool ok = false;
    try {
      ok = check();
    } catch (...) {
      ok = false;  // a throwing check is a failing check
    }
    results.emplace_back(name, ok);
  }
  std::lock_guard lock(mu_);
  results_ = std::move(results);
  polled_ = true;
  return !draining_ && std::all_of(results_.begin(), results_.end(), [](auto& r) { return r.second; });
}

void Readiness::drain() {
  std::lock_guard lock(mu_);
  draining_ = true;
}

ReadinessSnapshot Readiness::snapshot() const {
  std::lock_guard lock(mu_);
  ReadinessSnapshot s;
  s.draining = draining_;
  s.checks = results_;
  s.ready = polled_ && !draining_ &&
            std::all_of(results_.begin(), results_.end(), [](auto& r) { return r.second; });
  return s;
}

}  // namespace bw::service
