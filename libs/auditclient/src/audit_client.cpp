// The buffered, threaded audit producer (see audit_client.hpp).
//
// Invariant: every event passed to submit() is counted once: queued and then sent or
// dropped (rejected | shutdown), or dropped at once (buffer_full | invalid | shutdown).
// buffer_, in_flight_, stopping_ and deadline_ are guarded by mu_; the sender thread is the
// only consumer and the only waiter on wake_. No log line is written while mu_ is held.
#include "bw/auditclient/audit_client.hpp"

#include <vector>

#include "bw/auditclient/hooks.hpp"
#include "bw/auditclient/to_proto.hpp"
#include "bw/log/log.hpp"

namespace bw::auditclient {

using Clock = std::chrono::steady_clock;

AuditClient::AuditClient(ClientOptions options, std::unique_ptr<AppendPort> port, ProducerMetrics& metrics,
                         Jitter jitter)
    : options_(std::move(options)),
      port_(std::move(port)),
      metrics_(metrics),
      drop_log_(options_.log_interval),
      retry_log_(options_.log_interval) {
  if (options_.batch_size == 0) options_.batch_size = 1;
  deliverer_ = std::make_unique<Deliverer>(
      *port_, options_.retry, [this](std::chrono::milliseconds d) { return wait_backoff(d); }, std::move(jitter),
      counting_hooks(metrics_, retry_log_));
  thread_ = std::thread([this] { run(); });
}

AuditClient::~AuditClient() { stop(); }

bool AuditClient::submit(Event event) {
  if (auto why = check_event(event); !why.empty()) {
    note_drop(DropReason::kInvalid, 1, why);
    return false;
  }
  auto message = to_proto(event, options_.producer);
  DropReason reason = DropReason::kBufferFull;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      reason = DropReason::kShutdown;
    } else if (buffer_.size() + in_flight_ < options_.capacity) {
      buffer_.push_back(std::move(message));
      metrics_.queued.Increment();
      metrics_.queue_depth.Increment();
      // Wake the sender to start the flush timer (first event) or to send a full batch.
      if (buffer_.size() == 1 || buffer_.size() >= options_.batch_size) wake_.notify_one();
      return true;
    }
  }
  note_drop(reason, 1, {});
  return false;
}

std::size_t AuditClient::depth() const {
  std::lock_guard lock(mu_);
  return buffer_.size() + in_flight_;
}

StopReport AuditClient::stop() {
  std::lock_guard stop_lock(stop_mu_);
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = Clock::now() + options_.shutdown_timeout;
    }
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  return stop_report_;
}

void AuditClient::note_drop(DropReason reason, std::size_t count, std::string_view why) {
  metrics_.dropped(reason).Increment(static_cast<double>(count));
  if (auto n = drop_log_.admit()) {
    log::warn("audit_events_dropped",
              {{"reason", reason_name(reason)}, {"count", count}, {"check", why}, {"suppressed", *n}});
  }
}

void AuditClient::run() {
  std::unique_lock lock(mu_);
  while (wait_for_batch(lock)) {
    if (!send_batch(lock)) break;
  }
  // Here stopping_ holds: the loop above ends only at shutdown.
  const std::size_t left = buffer_.size();
  buffer_.clear();
  stop_report_.left += left;
  lock.unlock();
  metrics_.queue_depth.Decrement(static_cast<double>(left));
  if (left > 0) {
    metrics_.dropped(DropReason::kShutdown).Increment(static_cast<double>(left));
    log::error("audit_shutdown_incomplete", {{"left", left}});
  }
}

// True when there is something to send: a full batch, a partial one that waited
// flush_interval, or anything at all once stopping. False: stopping with nothing left.
bool AuditClient::wait_for_batch(std::unique_lock<std::mutex>& lock) {
  const auto ready = [this] { return stopping_ || buffer_.size() >= options_.batch_size; };
  for (;;) {
    if (stopping_) return !buffer_.empty();
    if (buffer_.size() >= options_.batch_size) return true;
    if (buffer_.empty()) {
      wake_.wait(lock);
      continue;
    }
    if (!wake_.wait_for(lock, options_.flush_interval, ready)) return true;
  }
}

bool AuditClient::send_batch(std::unique_lock<std::mutex>& lock) {
  const std::size_t n = std::min(options_.batch_size, buffer_.size());
  std::vector<pb::Event> batch(std::make_move_iterator(buffer_.begin()),
                               std::make_move_iterator(buffer_.begin() + static_cast<std::ptrdiff_t>(n)));
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(n));
  in_flight_ = n;
  lock.unlock();
  const auto report = deliverer_->deliver(batch);
  if (report.rejected > 0) note_drop(DropReason::kRejected, report.rejected, "refused by the audit service");
  metrics_.queue_depth.Decrement(static_cast<double>(report.resolved));
  lock.lock();
  in_flight_ = 0;
  if (stopping_) stop_report_.flushed += report.resolved;
  if (report.resolved == n) return true;
  // Only a shutdown deadline stops a delivery: the unsent tail goes back in front, in order.
  for (std::size_t i = n; i-- > report.resolved;) buffer_.push_front(std::move(batch[i]));
  return false;
}

// Backoff between retries. While running: wait the delay (retries go on; new events wait
// in the buffer). Once stopping: retry only if the retry starts before the deadline.
bool AuditClient::wait_backoff(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  const auto until = Clock::now() + delay;
  wake_.wait_until(lock, until, [this] { return stopping_; });
  if (!stopping_) return true;
  if (until >= deadline_) return false;
  while (Clock::now() < until) wake_.wait_until(lock, until);
  return true;
}

}  // namespace bw::auditclient
