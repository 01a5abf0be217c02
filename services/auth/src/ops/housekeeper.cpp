// Housekeeper (housekeeper.hpp).
#include "ops/housekeeper.hpp"

#include "bw/log/log.hpp"

namespace bw::auth::ops {

Housekeeper::Housekeeper(std::shared_ptr<store::Store> store, std::chrono::milliseconds retention,
                         std::function<std::int64_t()> now_ms, metrics::Factory& metrics)
    : store_(std::move(store)),
      retention_(retention),
      now_ms_(std::move(now_ms)),
      runs_(metrics.counter("purge_runs", "purges of expired rows from the auth store, by result")),
      rows_(metrics.counter("purged_rows", "expired rows deleted from the auth store")) {}

std::int64_t Housekeeper::run_once() {
  auto deleted = store_->purge_expired(now_ms_() - retention_.count());
  if (!deleted) {
    runs_.add({{"result", "error"}}).Increment();
    log::warn("purge_failed", {{"error", deleted.error().message}});
    return -1;
  }
  runs_.add({{"result", "ok"}}).Increment();
  rows_.add({}).Increment(static_cast<double>(*deleted));
  if (*deleted > 0) log::info("purged_expired_rows", {{"rows", *deleted}});
  return *deleted;
}

}  // namespace bw::auth::ops
