// The relay's metrics (docs/operations.md lists them). Label values are closed sets; no
// id, token or content ever becomes a label.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <map>
#include <string>

#include "bw/metrics/metrics.hpp"

namespace bw::relay {

class RelayMetrics {
 public:
  explicit RelayMetrics(metrics::Factory& f);

  // breakwater_relay_envelopes_total{result}: "routed" or an error code name.
  prometheus::Counter& envelope(const std::string& result);
  // breakwater_relay_connects_total{transport, result}.
  prometheus::Counter& connect(const std::string& transport, const std::string& result);
  // breakwater_relay_closes_total{transport, reason}.
  prometheus::Counter& close(const std::string& transport, const std::string& reason);
  // breakwater_relay_goaway_total{reason}.
  prometheus::Counter& goaway(const std::string& reason);
  // breakwater_relay_backend_errors_total{op}.
  prometheus::Counter& backend_error(const std::string& op);
  // breakwater_relay_rechecks_total{result}.
  prometheus::Counter& recheck(const std::string& result);

  prometheus::Gauge& connections_grpc;
  prometheus::Gauge& connections_ws;
  prometheus::Counter& deliveries;        // breakwater_relay_deliveries_total
  prometheus::Counter& inline_deliveries; // breakwater_relay_inline_deliveries_total
  prometheus::Counter& notifications;     // breakwater_relay_notifications_total
  prometheus::Histogram& route_seconds;   // envelope received → Redis step answered
  prometheus::Histogram& batch_size;      // envelopes per Redis pipeline

 private:
  prometheus::Counter& get(metrics::Family<prometheus::Counter>& fam, const metrics::Labels& labels);
  metrics::Family<prometheus::Counter> envelopes_, connects_, closes_, goaways_, backend_errors_, rechecks_;
};

}  // namespace bw::relay
