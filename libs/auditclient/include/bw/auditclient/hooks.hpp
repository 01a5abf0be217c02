// The delivery hooks every producer wants: metrics for each outcome and rate-limited
// warnings that name the action and status code, never an attribute value.
#pragma once

#include "bw/auditclient/delivery.hpp"
#include "bw/auditclient/log_limiter.hpp"
#include "bw/auditclient/producer_metrics.hpp"

namespace bw::auditclient {

// Both references must outlive the hooks.
DeliveryHooks counting_hooks(ProducerMetrics& metrics, LogLimiter& retry_log);

}  // namespace bw::auditclient
