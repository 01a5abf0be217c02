// Delivering one ordered batch with Audit.Append: retry transient failures, isolate the
// events the service refuses, keep order.
//
// Contract of Deliverer::deliver(batch):
//  - Sends the batch as one Append. On a transient status (is_retryable) it waits
//    backoff(attempt) — full jitter: uniform in [0, min(max, initial · 2^attempt)] — and
//    sends the same events again with the same event ids (Append is idempotent by id, so a
//    batch that was committed but whose answer was lost is not appended twice).
//  - On a permanent status (INVALID_ARGUMENT, NOT_FOUND, ...) it never retries the same
//    request: it splits the batch in halves and delivers each in order, so only the events
//    the service refuses on their own are dropped (counted as rejected); a single refused
//    event is dropped.
//  - The Waiter decides whether to keep waiting (false = stop now, e.g. the shutdown
//    deadline passed); then deliver() returns with `resolved` < batch size: the events
//    from `resolved` on were neither sent nor rejected and the caller still owns them.
//  - Events are resolved strictly in batch order: resolved is always a prefix.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "breakwater/audit/v1/audit.pb.h"

namespace bw::auditclient {

namespace pb = breakwater::audit::v1;

// The remote Audit service, as the deliverer sees it (a port; tests use a fake server).
class AppendPort {
 public:
  virtual ~AppendPort() = default;
  virtual grpc::Status append(const pb::AppendRequest& request, pb::AppendResponse* response) = 0;
};

// Audit.Append over a channel (make it with bw::service::make_channel: mutual TLS).
std::unique_ptr<AppendPort> make_grpc_port(std::shared_ptr<grpc::Channel> channel,
                                           std::chrono::milliseconds rpc_timeout);

// Statuses worth sending the same batch again for: UNAVAILABLE, DEADLINE_EXCEEDED,
// RESOURCE_EXHAUSTED, ABORTED, CANCELLED, UNKNOWN, INTERNAL, and the statuses that say
// something about the whole service rather than one event: UNAUTHENTICATED /
// PERMISSION_DENIED (a certificate problem) and UNIMPLEMENTED (an audit service without
// Append yet) — an operator fixes those; meanwhile the buffer absorbs events and counts
// what it cannot hold. Every other status is permanent for the batch.
bool is_retryable(grpc::StatusCode code);

// "UNAVAILABLE", "INVALID_ARGUMENT", ...: a closed set, usable as a metric label.
std::string_view code_name(grpc::StatusCode code);

struct RetryPolicy {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{30'000};
};

// The cap of the attempt-th backoff (attempt 0 → initial), never above policy.max.
std::chrono::milliseconds backoff_cap(const RetryPolicy& policy, unsigned attempt);

// Waits `delay`; false means "stop trying now".
using Waiter = std::function<bool(std::chrono::milliseconds delay)>;
// Full jitter: a uniform random delay in [0, cap].
using Jitter = std::function<std::chrono::milliseconds(std::chrono::milliseconds cap)>;
Jitter random_jitter();

// What happened to a batch; counts are of events except retries (failed attempts).
struct DeliveryReport {
  std::size_t resolved = 0;    // leading events sent or rejected
  std::size_t sent = 0;        // acknowledged by the service (duplicates included)
  std::size_t duplicates = 0;  // acknowledged as already present
  std::size_t rejected = 0;    // refused permanently, dropped
  std::size_t retries = 0;
};

// Callbacks for metrics and logs; each may be empty. `code` is the failed status code.
struct DeliveryHooks {
  std::function<void(grpc::StatusCode code)> on_failure;  // every failed Append call
  std::function<void(grpc::StatusCode code)> on_retry;
  std::function<void(grpc::StatusCode code, const pb::Event& event)> on_rejected;
  std::function<void(std::size_t sent, std::size_t duplicates)> on_sent;
};

class Deliverer {
 public:
  Deliverer(AppendPort& port, RetryPolicy policy, Waiter wait, Jitter jitter, DeliveryHooks hooks = {});
  DeliveryReport deliver(std::span<const pb::Event> batch);

 private:
  bool send_with_retries(std::span<const pb::Event> batch, DeliveryReport& report, grpc::Status& last);
  AppendPort& port_;
  RetryPolicy policy_;
  Waiter wait_;
  Jitter jitter_;
  DeliveryHooks hooks_;
};

}  // namespace bw::auditclient
