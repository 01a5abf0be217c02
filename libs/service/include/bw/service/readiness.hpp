// Liveness and readiness of a service, shared by /healthz, /readyz and gRPC health.
//
// Guarantees: checks (e.g. "redis reachable") are run by poll() only — never on the
// request path of a probe, so a slow dependency cannot make a probe hang; once drain()
// is called the service reports not ready for good; the snapshot is consistent (taken
// under one lock).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace bw::service {

struct ReadinessSnapshot {
  bool ready = false;
  bool draining = false;
  std::vector<std::pair<std::string, bool>> checks;  // name → last result
};

class Readiness {
 public:
  using Check = std::function<bool()>;

  // Registers a named check; all must pass for the service to be ready.
  void add_check(std::string name, Check check);
  // Runs every check once and records the results. Returns the new readiness.
  bool poll();
  // Marks the service as draining: not ready from now on.
  void drain();
  ReadinessSnapshot snapshot() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, Check>> checks_;
  std::vector<std::pair<std::string, bool>> results_;
  bool polled_ = false;
  bool draining_ = false;
};

}  // namespace bw::service
