// Housekeeper: deletes what expired from the auth store on a timer (Store::purge_expired):
// unclaimed pairing offers, device grants, invitations, idle refresh tokens and families
// past their absolute lifetime, once they are older than the retention. Keeping them that
// long lets an operator still see recent expiries; deleting them bounds the tables.
// Every run moves breakwater_auth_purge_runs_total{result=ok|error} and
// breakwater_auth_purged_rows_total.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "bw/metrics/metrics.hpp"
#include "ops/periodic.hpp"
#include "store/store.hpp"

namespace bw::auth::ops {

class Housekeeper {
 public:
  Housekeeper(std::shared_ptr<store::Store> store, std::chrono::milliseconds retention,
              std::function<std::int64_t()> now_ms, metrics::Factory& metrics);
  // One purge now; the rows deleted, or -1 when the store failed (logged and counted).
  std::int64_t run_once();
  void start(std::chrono::milliseconds interval) { task_.start(interval, [this] { run_once(); }); }
  void stop() { task_.stop(); }

 private:
  std::shared_ptr<store::Store> store_;
  std::chrono::milliseconds retention_;
  std::function<std::int64_t()> now_ms_;
  metrics::Family<prometheus::Counter> runs_, rows_;
  PeriodicTask task_;  // last: stopped first
};

}  // namespace bw::auth::ops
