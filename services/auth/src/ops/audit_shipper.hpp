// AuditShipper: sends auth's SQL audit outbox to the Audit service (DESIGN §6).
//
// The outbox is the durable buffer: API handlers append to it and never wait for audit.
// The shipper peeks the oldest rows, maps them (audit_mapping.hpp), delivers them with
// Audit.Append (auditclient::Deliverer: capped jittered backoff on transient failures,
// bisection of permanent refusals) and deletes rows only after the service acknowledged
// them — or refused them permanently (dropped, counted as rejected, logged without
// attribute values). Row event ids are stable, so a retry, a crash between Append and the
// delete, or two replicas shipping the same rows never append an event twice; rows are
// deleted by identity, so a replica's late delete never removes a newer row.
//
// stop(): interrupts any backoff, then ships for at most shutdown_timeout; rows left stay
// in the outbox for the next start or another replica (logged, not dropped).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

#include "bw/auditclient/delivery.hpp"
#include "bw/auditclient/log_limiter.hpp"
#include "bw/auditclient/producer_metrics.hpp"
#include "ops/periodic.hpp"
#include "store/store.hpp"

namespace bw::service {
class ServiceContext;
}

namespace bw::auth::ops {

struct ShipperOptions {
  std::size_t batch_size = 100;
  std::chrono::milliseconds interval{1'000};  // pause between runs once the outbox is empty
  auditclient::RetryPolicy retry;
  std::chrono::milliseconds shutdown_timeout{5'000};
};

class AuditShipper {
 public:
  AuditShipper(std::shared_ptr<store::Store> store, std::unique_ptr<auditclient::AppendPort> port,
               auditclient::ProducerMetrics& metrics, ShipperOptions options, auditclient::Jitter jitter = {});
  ~AuditShipper();

  // Ships batches until the outbox is empty, the store fails or delivery is interrupted;
  // returns the rows deleted from the outbox (sent or rejected).
  std::size_t ship_once();
  void start();
  void stop();

 private:
  enum class Mode { kRunning, kStopping, kDraining };
  bool wait_backoff(std::chrono::milliseconds delay);
  // One batch; false when there is nothing more to do now.
  bool ship_batch(std::size_t& shipped);
  bool past_deadline();

  std::shared_ptr<store::Store> store_;
  std::unique_ptr<auditclient::AppendPort> port_;
  auditclient::ProducerMetrics& metrics_;
  ShipperOptions options_;
  auditclient::LogLimiter log_;
  std::unique_ptr<auditclient::Deliverer> deliverer_;
  std::mutex mu_;
  std::condition_variable wake_;
  Mode mode_ = Mode::kRunning;
  std::chrono::steady_clock::time_point deadline_{};
  PeriodicTask task_;  // last: stopped first
};

// Wires the shipper from the audit.* keys: with audit.endpoint empty it logs
// "audit_disabled" once and sets breakwater_auth_audit_producer_enabled to 0 (events then
// wait in the bounded outbox); else it starts shipping and stops on shutdown.
Status start_audit_shipper(service::ServiceContext& ctx, std::shared_ptr<store::Store> store);

}  // namespace bw::auth::ops
