// KeySetReloader: re-reads the signing keys from the store while the service runs, so a
// `breakwater-auth rotate-signing-key` run against the database reaches every replica
// within one interval (auth.key_reload_interval) without a restart.
//
// Guarantees:
//  - a loaded set replaces the live one only when its kids or its signing kid differ, and
//    only when it loaded completely (a key that does not open under the KEK, or a store
//    error, keeps the set in force and is logged without any key material);
//  - every attempt moves breakwater_auth_key_set_reloads_total{result=unchanged|replaced|error};
//  - start(interval) polls on its own thread (0: never); stop() wakes and joins it at once,
//    is idempotent, and the destructor stops.
#pragma once

#include <chrono>
#include <functional>

#include "api/live_key_set.hpp"
#include "ops/periodic.hpp"
#include "bw/metrics/metrics.hpp"
#include "bw/result.hpp"

namespace bw::auth::ops {

class KeySetReloader {
 public:
  using Load = std::function<Result<jwt::KeySet>()>;

  KeySetReloader(api::LiveKeySet keys, Load load, metrics::Factory& metrics);
  ~KeySetReloader();
  KeySetReloader(const KeySetReloader&) = delete;
  KeySetReloader& operator=(const KeySetReloader&) = delete;

  // One reload now; true when the live set was replaced.
  bool reload();
  void start(std::chrono::milliseconds interval);
  void stop();

 private:
  api::LiveKeySet keys_;
  Load load_;
  metrics::Family<prometheus::Counter> reloads_;
  PeriodicTask task_;  // last: stopped first
};

}  // namespace bw::auth::ops
