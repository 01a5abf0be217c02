// Metrics and logs for delivery outcomes (see hooks.hpp).
#include "bw/auditclient/hooks.hpp"

#include "bw/log/log.hpp"

namespace bw::auditclient {

DeliveryHooks counting_hooks(ProducerMetrics& metrics, LogLimiter& retry_log) {
  DeliveryHooks hooks;
  hooks.on_failure = [&metrics](grpc::StatusCode code) { metrics.rpc_failure(code_name(code)).Increment(); };
  hooks.on_retry = [&metrics, &retry_log](grpc::StatusCode code) {
    metrics.retries.Increment();
    if (auto n = retry_log.admit()) log::warn("audit_append_retrying", {{"code", code_name(code)}, {"suppressed", *n}});
  };
  hooks.on_rejected = [](grpc::StatusCode code, const pb::Event& e) {
    // The action names the kind of event; attribute values are never logged.
    log::warn("audit_event_rejected", {{"action", e.action()}, {"code", code_name(code)}});
  };
  hooks.on_sent = [&metrics](std::size_t sent, std::size_t dups) {
    metrics.sent.Increment(static_cast<double>(sent));
    metrics.duplicates.Increment(static_cast<double>(dups));
    metrics.last_success.SetToCurrentTime();
  };
  return hooks;
}

}  // namespace bw::auditclient
