// AuditClient: the in-memory audit producer of a service (relay, ratelimit).
//
// Guarantees:
//  - submit() never blocks a request: it takes one mutex for an O(1) push into a bounded
//    buffer (the lock is only ever held for pushes and pops, never across I/O) and returns.
//    When the buffer is full the new event is dropped and counted (reason buffer_full);
//    events already buffered keep their place (oldest first).
//  - One background thread takes up to batch_size events (or fewer after flush_interval)
//    and delivers them with Deliverer (delivery.hpp): transient failures are retried with
//    capped, jittered exponential backoff, permanent refusals drop only the refused events
//    (reason rejected). Batches are delivered one at a time, so order is kept.
//  - Nothing is dropped silently: every event is counted exactly once as sent, or dropped
//    with a reason (buffer_full, invalid, rejected, shutdown). Logs are rate limited and
//    never print attribute values.
//  - stop() (and the destructor) flushes until shutdown_timeout, then counts what is left
//    as dropped (shutdown). submit() after stop() drops with reason shutdown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bw/auditclient/delivery.hpp"
#include "bw/auditclient/event.hpp"
#include "bw/auditclient/log_limiter.hpp"
#include "bw/auditclient/producer_metrics.hpp"

namespace bw::auditclient {

struct ClientOptions {
  std::string producer;  // "relay", "ratelimit": Event.producer
  std::size_t capacity = 10'000;
  std::size_t batch_size = 100;
  std::chrono::milliseconds flush_interval{1'000};
  RetryPolicy retry;
  std::chrono::milliseconds shutdown_timeout{5'000};
  std::chrono::milliseconds log_interval{60'000};  // at most one warning per kind per interval
};

struct StopReport {
  std::size_t flushed = 0;  // sent or rejected during stop()
  std::size_t left = 0;     // dropped (shutdown)
};

class AuditClient {
 public:
  // Starts the sender thread. `jitter` defaults to random_jitter().
  AuditClient(ClientOptions options, std::unique_ptr<AppendPort> port, ProducerMetrics& metrics,
              Jitter jitter = {});
  ~AuditClient();
  AuditClient(const AuditClient&) = delete;
  AuditClient& operator=(const AuditClient&) = delete;

  // Queues the event; false if it was dropped (counted). Never blocks on I/O.
  bool submit(Event event);
  // Flushes what is buffered within shutdown_timeout and stops the thread. Idempotent.
  StopReport stop();
  std::size_t depth() const;

 private:
  void run();
  bool wait_for_batch(std::unique_lock<std::mutex>& lock);
  bool wait_backoff(std::chrono::milliseconds delay);
  // Delivers one batch; false if the shutdown deadline cut it short.
  bool send_batch(std::unique_lock<std::mutex>& lock);
  void note_drop(DropReason reason, std::size_t count, std::string_view why);

  ClientOptions options_;
  std::unique_ptr<AppendPort> port_;
  ProducerMetrics& metrics_;
  std::unique_ptr<Deliverer> deliverer_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<pb::Event> buffer_;
  std::size_t in_flight_ = 0;
  bool stopping_ = false;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point deadline_{};
  StopReport stop_report_;
  std::mutex stop_mu_;  // serialises stop() callers
  LogLimiter drop_log_, retry_log_;
  std::thread thread_;
};

}  // namespace bw::auditclient
