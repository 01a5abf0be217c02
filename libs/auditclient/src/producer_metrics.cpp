// The audit producer's metric families (see producer_metrics.hpp).
#include "bw/auditclient/producer_metrics.hpp"

#include <string>

namespace bw::auditclient {

std::string_view reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::kBufferFull: return "buffer_full";
    case DropReason::kRejected: return "rejected";
    case DropReason::kInvalid: return "invalid";
    case DropReason::kShutdown: return "shutdown";
  }
  return "unknown";
}

ProducerMetrics::ProducerMetrics(metrics::Factory& f)
    : queued(f.counter("audit_producer_events_queued", "Audit events accepted for delivery").add({})),
      sent(f.counter("audit_producer_events_sent", "Audit events acknowledged by the audit service").add({})),
      duplicates(f.counter("audit_producer_events_duplicate",
                           "Audit events the audit service already had (a retried batch)").add({})),
      retries(f.counter("audit_producer_retries", "Append calls repeated after a transient failure").add({})),
      queue_depth(f.gauge("audit_producer_queue_events", "Audit events waiting for delivery").add({})),
      last_success(f.gauge("audit_producer_last_success_timestamp_seconds",
                           "Unix time of the last acknowledged Append (0: none yet)").add({})),
      enabled(f.gauge("audit_producer_enabled", "1 if audit events are shipped (audit.endpoint set)").add({})),
      dropped_(f.counter("audit_producer_events_dropped", "Audit events not delivered, by reason")),
      rpc_failures_(f.counter("audit_producer_rpc_failures", "Failed Append calls, by gRPC status code")) {
  for (auto r : {DropReason::kBufferFull, DropReason::kRejected, DropReason::kInvalid, DropReason::kShutdown}) {
    dropped(r);  // every series exists from the start, so alerts see 0 rather than nothing
  }
}

prometheus::Counter& ProducerMetrics::dropped(DropReason reason) {
  return dropped_.add({{"reason", std::string(reason_name(reason))}});
}

prometheus::Counter& ProducerMetrics::rpc_failure(std::string_view code) {
  return rpc_failures_.add({{"code", std::string(code)}});
}

}  // namespace bw::auditclient
