// The audit.* configuration keys every producing service shares, and the producer made
// from them (docs/operations.md, "Audit producers").
//
// Keys: audit.endpoint (host:port of the Audit service; empty = audit disabled),
// audit.plaintext, audit.server_name, audit.buffer_capacity, audit.batch_size,
// audit.flush_interval, audit.retry_initial, audit.retry_max, audit.rpc_timeout,
// audit.shutdown_timeout. The channel uses the service's own tls.* files: mutual TLS
// under the cluster CA unless audit.plaintext is set.
#pragma once

#include <memory>
#include <string>

#include "bw/auditclient/audit_client.hpp"
#include "bw/config/config.hpp"
#include "bw/metrics/metrics.hpp"
#include "bw/result.hpp"

namespace bw::auditclient {

void add_config_keys(config::Schema& schema);
// Combinations the schema cannot check (retry_initial <= retry_max).
Status validate_config(const config::Values& values);
ClientOptions client_options(const config::Values& values, std::string producer);
bool audit_enabled(const config::Values& values);

// The Append port over mutual TLS (the service's tls.* files) to audit.endpoint.
Result<std::unique_ptr<AppendPort>> make_port(const config::Values& values);

// A producer that owns its metrics and client. With audit.endpoint empty it logs one line
// ("audit_disabled"), sets the _enabled gauge to 0 and returns a null client: submit on
// a Producer without a client is a no-op (the events are not counted as dropped, the
// gauge says why there are none).
class Producer {
 public:
  static Result<std::shared_ptr<Producer>> from_config(const config::Values& values, metrics::Factory& metrics,
                                                       std::string producer);
  // A null port makes a disabled producer.
  Producer(metrics::Factory& metrics, ClientOptions options, std::unique_ptr<AppendPort> port, Jitter jitter = {});
  ~Producer();

  bool enabled() const { return client_ != nullptr; }
  void submit(Event event) {
    if (client_) client_->submit(std::move(event));
  }
  StopReport stop();
  ProducerMetrics& metrics() { return *metrics_; }

 private:
  std::unique_ptr<ProducerMetrics> metrics_;
  std::unique_ptr<AuditClient> client_;
};

}  // namespace bw::auditclient
