// The outbox → Audit.Append loop (see audit_shipper.hpp).
#include "ops/audit_shipper.hpp"

#include <vector>

#include "bw/auditclient/audit_config.hpp"
#include "bw/auditclient/hooks.hpp"
#include "bw/auditclient/to_proto.hpp"
#include "bw/log/log.hpp"
#include "bw/service/service_main.hpp"
#include "ops/audit_mapping.hpp"

namespace bw::auth::ops {

using Clock = std::chrono::steady_clock;

AuditShipper::AuditShipper(std::shared_ptr<store::Store> store, std::unique_ptr<auditclient::AppendPort> port,
                           auditclient::ProducerMetrics& metrics, ShipperOptions options, auditclient::Jitter jitter)
    : store_(std::move(store)),
      port_(std::move(port)),
      metrics_(metrics),
      options_(options),
      log_(std::chrono::minutes(1)),
      deliverer_(std::make_unique<auditclient::Deliverer>(
          *port_, options_.retry, [this](std::chrono::milliseconds d) { return wait_backoff(d); }, std::move(jitter),
          auditclient::counting_hooks(metrics_, log_))) {}

AuditShipper::~AuditShipper() { stop(); }

void AuditShipper::start() {
  task_.start(options_.interval, [this] { ship_once(); });
}

void AuditShipper::stop() {
  {
    std::lock_guard lock(mu_);
    if (mode_ != Mode::kRunning) return;
    mode_ = Mode::kStopping;
  }
  wake_.notify_all();
  task_.stop();
  {
    std::lock_guard lock(mu_);
    mode_ = Mode::kDraining;
    deadline_ = Clock::now() + options_.shutdown_timeout;
  }
  const auto shipped = ship_once();
  auto left = store_->peek_audit_events(1);
  const bool more = !left.ok() || !left->empty();
  log::info("audit_shipper_stopped", {{"shipped_at_stop", shipped}, {"outbox_empty", !more}});
}

std::size_t AuditShipper::ship_once() {
  std::size_t shipped = 0;
  while (ship_batch(shipped)) {
  }
  return shipped;
}

bool AuditShipper::past_deadline() {
  std::lock_guard lock(mu_);
  return mode_ == Mode::kStopping || (mode_ == Mode::kDraining && Clock::now() >= deadline_);
}

bool AuditShipper::ship_batch(std::size_t& shipped) {
  if (past_deadline()) return false;
  auto rows = store_->peek_audit_events(static_cast<int>(options_.batch_size));
  if (!rows) {
    if (auto n = log_.admit()) log::warn("audit_outbox_unreadable", {{"error", rows.error().message}, {"suppressed", *n}});
    return false;
  }
  if (rows->empty()) return false;
  std::vector<auditclient::pb::Event> batch;
  batch.reserve(rows->size());
  for (const auto& row : *rows) batch.push_back(auditclient::to_proto(outbox_event(row), "auth"));
  const auto report = deliverer_->deliver(batch);
  if (report.rejected > 0) {
    metrics_.dropped(auditclient::DropReason::kRejected).Increment(static_cast<double>(report.rejected));
  }
  rows->resize(report.resolved);
  if (auto st = store_->ack_audit_events(*rows); !st) {
    // Sent but not deleted: shipped again later with the same ids (deduplicated).
    if (auto n = log_.admit()) log::warn("audit_outbox_ack_failed", {{"error", st.error().message}, {"suppressed", *n}});
    return false;
  }
  shipped += report.resolved;
  return report.resolved == batch.size() && batch.size() == options_.batch_size;
}

// While running: wait the delay. Stopping: give up at once (the rows stay in the outbox).
// Draining: retry only if the retry starts before the deadline.
bool AuditShipper::wait_backoff(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  const auto until = Clock::now() + delay;
  if (mode_ == Mode::kDraining) {
    if (until >= deadline_) return false;
    while (Clock::now() < until) wake_.wait_until(lock, until);
    return true;
  }
  wake_.wait_until(lock, until, [this] { return mode_ != Mode::kRunning; });
  return mode_ == Mode::kRunning;
}

Status start_audit_shipper(service::ServiceContext& ctx, std::shared_ptr<store::Store> store) {
  const auto& v = ctx.config();
  auto metrics = std::make_shared<auditclient::ProducerMetrics>(ctx.metrics());
  ctx.keep(metrics);
  metrics->enabled.Set(auditclient::audit_enabled(v) ? 1 : 0);
  if (!auditclient::audit_enabled(v)) {
    log::warn("audit_disabled", {{"why", "audit.endpoint is empty: the audit outbox is not shipped"}});
    return {};
  }
  auto port = auditclient::make_port(v);
  if (!port) return port.error();
  const auto o = auditclient::client_options(v, "auth");
  auto shipper = std::make_shared<AuditShipper>(std::move(store), std::move(port.value()), *metrics,
                                                ShipperOptions{o.batch_size, o.flush_interval, o.retry, o.shutdown_timeout});
  shipper->start();
  ctx.on_stop([shipper] { shipper->stop(); });
  ctx.keep(shipper);
  log::info("audit_enabled", {{"batch_size", o.batch_size}});
  return {};
}

}  // namespace bw::auth::ops
