// Batch delivery with retries and bisection of permanent refusals (see delivery.hpp).
#include "bw/auditclient/delivery.hpp"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <random>

#include "breakwater/audit/v1/audit.grpc.pb.h"

namespace bw::auditclient {
namespace {

class GrpcAppendPort final : public AppendPort {
 public:
  GrpcAppendPort(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds timeout)
      : stub_(pb::Audit::NewStub(std::move(channel))), timeout_(timeout) {}

  grpc::Status append(const pb::AppendRequest& request, pb::AppendResponse* response) override {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
    return stub_->Append(&ctx, request, response);
  }

 private:
  std::unique_ptr<pb::Audit::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

pb::AppendRequest request_of(std::span<const pb::Event> batch) {
  pb::AppendRequest request;
  request.mutable_events()->Reserve(static_cast<int>(batch.size()));
  for (const auto& e : batch) *request.add_events() = e;
  return request;
}

}  // namespace

std::unique_ptr<AppendPort> make_grpc_port(std::shared_ptr<grpc::Channel> channel,
                                           std::chrono::milliseconds rpc_timeout) {
  return std::make_unique<GrpcAppendPort>(std::move(channel), rpc_timeout);
}

bool is_retryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNIMPLEMENTED:
      return true;
    default:
      return false;
  }
}

std::string_view code_name(grpc::StatusCode code) {
  static constexpr std::string_view kNames[] = {
      "OK",        "CANCELLED",         "UNKNOWN",           "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",       "UNAVAILABLE",       "DATA_LOSS",        "UNAUTHENTICATED"};
  const auto i = static_cast<std::size_t>(code);
  return i < std::size(kNames) ? kNames[i] : "OTHER";
}

std::chrono::milliseconds backoff_cap(const RetryPolicy& policy, unsigned attempt) {
  auto cap = std::max(policy.initial, std::chrono::milliseconds(1));
  for (unsigned i = 0; i < attempt && cap < policy.max; ++i) cap *= 2;
  return std::min(cap, policy.max);
}

Jitter random_jitter() {
  auto engine = std::make_shared<std::minstd_rand>(std::random_device{}());
  return [engine](std::chrono::milliseconds cap) {
    std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(cap.count(), 0));
    return std::chrono::milliseconds(pick(*engine));
  };
}

Deliverer::Deliverer(AppendPort& port, RetryPolicy policy, Waiter wait, Jitter jitter, DeliveryHooks hooks)
    : port_(port), policy_(policy), wait_(std::move(wait)), jitter_(std::move(jitter)), hooks_(std::move(hooks)) {
  if (!jitter_) jitter_ = random_jitter();
}

// Sends until success (true), a permanent status or the waiter gives up (false; `last` is
// the final status: permanent, or the transient one it stopped on).
bool Deliverer::send_with_retries(std::span<const pb::Event> batch, DeliveryReport& report, grpc::Status& last) {
  const auto request = request_of(batch);
  for (unsigned attempt = 0;; ++attempt) {
    pb::AppendResponse response;
    last = port_.append(request, &response);
    if (last.ok()) {
      std::size_t dups = 0;
      for (const auto& a : response.appended()) dups += a.duplicate() ? 1 : 0;
      report.sent += batch.size();
      report.duplicates += dups;
      if (hooks_.on_sent) hooks_.on_sent(batch.size(), dups);
      return true;
    }
    if (hooks_.on_failure) hooks_.on_failure(last.error_code());
    if (!is_retryable(last.error_code())) return false;
    ++report.retries;
    if (hooks_.on_retry) hooks_.on_retry(last.error_code());
    if (!wait_(jitter_(backoff_cap(policy_, attempt)))) return false;
  }
}

DeliveryReport Deliverer::deliver(std::span<const pb::Event> batch) {
  DeliveryReport report;
  if (batch.empty()) return report;
  grpc::Status last;
  if (send_with_retries(batch, report, last)) {
    report.resolved = batch.size();
    return report;
  }
  if (is_retryable(last.error_code())) return report;  // stopped while retrying
  if (batch.size() == 1) {
    ++report.rejected;
    report.resolved = 1;
    if (hooks_.on_rejected) hooks_.on_rejected(last.error_code(), batch.front());
    return report;
  }
  const std::size_t half = batch.size() / 2;
  for (auto part : {batch.first(half), batch.subspan(half)}) {
    const auto r = deliver(part);
    report.resolved += r.resolved;
    report.sent += r.sent;
    report.duplicates += r.duplicates;
    report.rejected += r.rejected;
    report.retries += r.retries;
    if (r.resolved < part.size()) break;  // stopped: keep order, leave the rest
  }
  return report;
}

}  // namespace bw::auditclient
