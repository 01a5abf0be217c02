// The audit producer's metrics, created from the service's one metric factory, so in
// service <svc> they are named breakwater_<svc>_audit_producer_* (docs/operations.md).
// Labels are closed sets (drop reason, status code name); never ids.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <string_view>

#include "bw/metrics/metrics.hpp"

namespace bw::auditclient {

// Why events were dropped (the `reason` label).
enum class DropReason { kBufferFull, kRejected, kInvalid, kShutdown };
std::string_view reason_name(DropReason reason);

class ProducerMetrics {
 public:
  explicit ProducerMetrics(metrics::Factory& factory);

  prometheus::Counter& dropped(DropReason reason);
  // breakwater_<svc>_audit_producer_rpc_failures_total{code}: failed Append calls.
  prometheus::Counter& rpc_failure(std::string_view code);

  prometheus::Counter& queued;        // _events_queued_total: accepted by submit()
  prometheus::Counter& sent;          // _events_sent_total: acknowledged by the service
  prometheus::Counter& duplicates;    // _events_duplicate_total: acknowledged as already present
  prometheus::Counter& retries;       // _retries_total: batches sent again after a transient failure
  prometheus::Gauge& queue_depth;     // _queue_events: waiting in memory or in flight
  prometheus::Gauge& last_success;    // _last_success_timestamp_seconds (0 until the first)
  prometheus::Gauge& enabled;         // _enabled: 1 if audit.endpoint is set

 private:
  metrics::Family<prometheus::Counter> dropped_, rpc_failures_;
};

}  // namespace bw::auditclient
