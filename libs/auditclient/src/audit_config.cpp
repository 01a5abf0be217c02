// The audit.* keys and the producer built from them (see audit_config.hpp).
#include "bw/auditclient/audit_config.hpp"

#include "bw/log/log.hpp"
#include "bw/service/grpc_channel.hpp"

namespace bw::auditclient {

void add_config_keys(config::Schema& s) {
  using config::Type;
  s.add({.path = "audit.endpoint", .type = Type::kString, .default_value = "",
         .help = "host:port of the Audit service's gRPC API; empty disables audit events (one log line, "
                 "breakwater_<service>_audit_producer_enabled 0)"});
  s.add({.path = "audit.plaintext", .type = Type::kBool, .default_value = "false",
         .help = "call the Audit service without TLS (only inside a mesh that encrypts)"});
  s.add({.path = "audit.server_name", .type = Type::kString, .default_value = "",
         .help = "name expected in the Audit service's certificate, if not the host"});
  s.add({.path = "audit.buffer_capacity", .type = Type::kInt, .default_value = "10000",
         .help = "events held in memory while the Audit service is slow or down; beyond it new events are dropped "
                 "and counted (auth ships its SQL outbox instead)",
         .min = 1, .max = 10'000'000});
  s.add({.path = "audit.batch_size", .type = Type::kInt, .default_value = "100", .help = "events per Append call",
         .min = 1, .max = 1000});
  s.add({.path = "audit.flush_interval", .type = Type::kDuration, .default_value = "1s",
         .help = "longest wait before a partial batch is sent", .min = 1, .max = 600'000});
  s.add({.path = "audit.retry_initial", .type = Type::kDuration, .default_value = "100ms",
         .help = "first retry backoff cap (doubles per attempt, full jitter)", .min = 1, .max = 600'000});
  s.add({.path = "audit.retry_max", .type = Type::kDuration, .default_value = "30s", .help = "largest retry backoff",
         .min = 1, .max = 3'600'000});
  s.add({.path = "audit.rpc_timeout", .type = Type::kDuration, .default_value = "5s",
         .help = "deadline of one Append call", .min = 1, .max = 600'000});
  s.add({.path = "audit.shutdown_timeout", .type = Type::kDuration, .default_value = "5s",
         .help = "how long shutdown keeps delivering before counting what is left (auth: leaving it in the outbox)",
         .min = 0, .max = 600'000});
}

Status validate_config(const config::Values& v) {
  if (v.duration("audit.retry_initial") > v.duration("audit.retry_max")) {
    return Error{config::kOutOfRange, "audit.retry_initial: larger than audit.retry_max"};
  }
  return {};
}

bool audit_enabled(const config::Values& v) { return !v.str("audit.endpoint").empty(); }

ClientOptions client_options(const config::Values& v, std::string producer) {
  ClientOptions o;
  o.producer = std::move(producer);
  o.capacity = static_cast<std::size_t>(v.integer("audit.buffer_capacity"));
  o.batch_size = static_cast<std::size_t>(v.integer("audit.batch_size"));
  o.flush_interval = v.duration("audit.flush_interval");
  o.retry = {v.duration("audit.retry_initial"), v.duration("audit.retry_max")};
  o.shutdown_timeout = v.duration("audit.shutdown_timeout");
  return o;
}

Result<std::unique_ptr<AppendPort>> make_port(const config::Values& v) {
  service::ChannelOptions o;
  o.target = v.str("audit.endpoint");
  o.tls = {v.str("tls.cert_file"), v.str("tls.key_file"), v.str("tls.ca_file")};
  o.plaintext = v.boolean("audit.plaintext");
  o.server_name = v.str("audit.server_name");
  auto channel = service::make_channel(o);
  if (!channel) return Error{channel.error().code, "audit.endpoint: " + channel.error().message};
  return make_grpc_port(std::move(channel.value()), v.duration("audit.rpc_timeout"));
}

Result<std::shared_ptr<Producer>> Producer::from_config(const config::Values& v, metrics::Factory& metrics,
                                                        std::string producer) {
  std::unique_ptr<AppendPort> port;
  if (audit_enabled(v)) {
    auto made = make_port(v);
    if (!made) return made.error();
    port = std::move(made.value());
  }
  return std::make_shared<Producer>(metrics, client_options(v, std::move(producer)), std::move(port));
}

Producer::Producer(metrics::Factory& metrics, ClientOptions options, std::unique_ptr<AppendPort> port, Jitter jitter)
    : metrics_(std::make_unique<ProducerMetrics>(metrics)) {
  metrics_->enabled.Set(port ? 1 : 0);
  if (!port) {
    log::warn("audit_disabled", {{"why", "audit.endpoint is empty: no audit events are shipped"}});
    return;
  }
  log::info("audit_enabled", {{"batch_size", options.batch_size}, {"capacity", options.capacity}});
  client_ = std::make_unique<AuditClient>(std::move(options), std::move(port), *metrics_, std::move(jitter));
}

Producer::~Producer() { stop(); }

StopReport Producer::stop() { return client_ ? client_->stop() : StopReport{}; }

}  // namespace bw::auditclient
