#include "relay_metrics.hpp"

namespace bw::relay {

RelayMetrics::RelayMetrics(metrics::Factory& f)
    : connections_grpc(f.gauge("connections", "Open connections, by transport").add({{"transport", "grpc"}})),
      connections_ws(f.gauge("connections", "Open connections, by transport").add({{"transport", "websocket"}})),
      deliveries(f.counter("deliveries", "Mailbox entries delivered to their recipient").add({})),
      inline_deliveries(f.counter("inline_deliveries",
                                  "Of those, entries delivered from their notification without reading the mailbox")
                            .add({})),
      notifications(f.counter("notifications", "Notifications received from the pub/sub channels").add({})),
      route_seconds(f.histogram("route_seconds", "Envelope received until the Redis step answered")
                        .add({}, metrics::Factory::latency_buckets())),
      batch_size(f.histogram("append_batch_size", "Envelopes per pipelined Redis append")
                     .add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128})),
      envelopes_(f.counter("envelopes", "Envelopes received, by result (routed or the error code)")),
      connects_(f.counter("connects", "Connection attempts, by transport and result")),
      closes_(f.counter("closes", "Connections closed, by transport and reason")),
      goaways_(f.counter("goaway", "GoAway frames sent, by reason")),
      backend_errors_(f.counter("backend_errors", "Failed Redis or auth calls, by operation")),
      rechecks_(f.counter("rechecks", "Credential re-checks on live connections, by result")) {}

prometheus::Counter& RelayMetrics::get(metrics::Family<prometheus::Counter>& fam, const metrics::Labels& labels) {
  return fam.add(labels);  // prometheus-cpp returns the existing child for known labels
}

prometheus::Counter& RelayMetrics::envelope(const std::string& result) { return get(envelopes_, {{"result", result}}); }
prometheus::Counter& RelayMetrics::connect(const std::string& transport, const std::string& result) {
  return get(connects_, {{"transport", transport}, {"result", result}});
}
prometheus::Counter& RelayMetrics::close(const std::string& transport, const std::string& reason) {
  return get(closes_, {{"transport", transport}, {"reason", reason}});
}
prometheus::Counter& RelayMetrics::goaway(const std::string& reason) { return get(goaways_, {{"reason", reason}}); }
prometheus::Counter& RelayMetrics::backend_error(const std::string& op) { return get(backend_errors_, {{"op", op}}); }
prometheus::Counter& RelayMetrics::recheck(const std::string& result) { return get(rechecks_, {{"result", result}}); }

}  // namespace bw::relay
