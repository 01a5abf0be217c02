// See grpc_service.hpp.
#include "grpc_service.hpp"

#include <algorithm>
#include <map>

#include "bw/crypto/hex.hpp"
#include "bw/log/log.hpp"
#include "errors.hpp"
#include "event_convert.hpp"
#include "store/errors.hpp"

namespace bw::auditsvc {
namespace v1 = breakwater::audit::v1;
namespace store = audit::store;

struct AuditGrpcService::Metrics {
  explicit Metrics(metrics::Factory& f)
      : calls(f.counter("requests", "audit API calls by method and outcome")),
        events(f.counter("append_events", "events in Append requests by outcome (appended, duplicate, invalid, failed)")),
        latency(f.histogram("request_duration_seconds", "audit API call latency by method")) {}
  void done(const char* method, const grpc::Status& st) {
    calls.add({{"method", method}, {"code", code_name(st.error_code())}}).Increment();
  }
  static std::string code_name(grpc::StatusCode c) {
    switch (c) {
      case grpc::OK: return "ok";
      case grpc::INVALID_ARGUMENT: return "invalid_argument";
      case grpc::NOT_FOUND: return "not_found";
      case grpc::FAILED_PRECONDITION: return "failed_precondition";
      case grpc::PERMISSION_DENIED: return "permission_denied";
      case grpc::UNAVAILABLE: return "unavailable";
      default: return "internal";
    }
  }
  metrics::Family<prometheus::Counter> calls, events;
  metrics::Family<prometheus::Histogram> latency;
};

namespace {

grpc::Status to_grpc(const Error& e) {
  switch (static_cast<Errc>(e.code)) {
    case Errc::kInvalidArgument: return {grpc::StatusCode::INVALID_ARGUMENT, e.message};
    case Errc::kNotFound: return {grpc::StatusCode::NOT_FOUND, e.message};
    case Errc::kFailedPrecondition: return {grpc::StatusCode::FAILED_PRECONDITION, e.message};
    case Errc::kUnavailable: return {grpc::StatusCode::UNAVAILABLE, e.message};
    default: break;
  }
  log::error("audit internal error", {{"error", e.message}});
  return {grpc::StatusCode::INTERNAL, "internal error"};
}

// A commit's outcome; a log stopped under the caller (shutdown) is UNAVAILABLE: retry.
Result<std::vector<Placement>> collect(std::future<Result<std::vector<Placement>>>& future) {
  try {
    return future.get();
  } catch (const std::future_error&) {
    return make_error(Errc::kUnavailable, "the audit log is shutting down; retry");
  }
}

std::string hash_string(const audit::Hash& h) { return std::string(h.begin(), h.end()); }

// Measures a call and counts its outcome.
class CallScope {
 public:
  CallScope(AuditGrpcService::Metrics& m, const char* method) : m_(m), method_(method), start_(std::chrono::steady_clock::now()) {}
  grpc::Status operator()(grpc::Status st) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start_;
    m_.latency.add({{"method", method_}}, metrics::Factory::latency_buckets()).Observe(took.count());
    m_.done(method_, st);
    return st;
  }

 private:
  AuditGrpcService::Metrics& m_;
  const char* method_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

AuditGrpcService::AuditGrpcService(std::shared_ptr<LogActors> logs, std::shared_ptr<store::Store> store,
                                   std::shared_ptr<CheckpointKeys> keys, AuditServiceOptions options,
                                   metrics::Factory& metrics)
    : logs_(std::move(logs)), store_(std::move(store)), keys_(std::move(keys)), options_(std::move(options)),
      metrics_(std::make_unique<Metrics>(metrics)) {}

AuditGrpcService::~AuditGrpcService() = default;

grpc::Status AuditGrpcService::may_read(grpc::ServerContext* ctx, const char* method) {
  if (!options_.check_readers) return grpc::Status::OK;
  auto auth = ctx->auth_context();
  if (auth) {
    for (const char* property : {"x509_subject_alternative_name", "x509_common_name"}) {
      for (const auto& name : auth->FindPropertyValues(property)) {
        const std::string n(name.data(), name.size());
        if (std::find(options_.readers.begin(), options_.readers.end(), n) != options_.readers.end()) {
          return grpc::Status::OK;
        }
      }
    }
  }
  log::warn("audit read refused", {{"method", method}, {"reason", "client certificate not in audit.readers"}});
  return {grpc::StatusCode::PERMISSION_DENIED, "this client may append but not read the audit log"};
}

grpc::Status AuditGrpcService::Append(grpc::ServerContext*, const v1::AppendRequest* req, v1::AppendResponse* res) {
  CallScope scope(*metrics_, "append");
  if (req->events_size() == 0) return scope({grpc::StatusCode::INVALID_ARGUMENT, "no events"});
  if (static_cast<std::size_t>(req->events_size()) > options_.max_append_events) {
    return scope({grpc::StatusCode::INVALID_ARGUMENT,
                  "too many events in one request (at most " + std::to_string(options_.max_append_events) + ")"});
  }
  // Every event is checked before any is queued: a bad one refuses the request, naming it.
  std::map<TenantId, std::vector<AppendItem>> by_tenant;
  std::vector<std::pair<TenantId, std::size_t>> where;  // request order → (tenant, position)
  for (int i = 0; i < req->events_size(); ++i) {
    auto event = from_wire(req->events(i));
    auto row = event ? to_row(*event) : Result<store::Entry>(event.error());
    if (!row) {
      metrics_->events.add({{"outcome", "invalid"}}).Increment(static_cast<double>(req->events_size()));
      return scope({grpc::StatusCode::INVALID_ARGUMENT, "event " + std::to_string(i) + ": " + row.error().message});
    }
    auto& items = by_tenant[row->tenant];
    where.emplace_back(row->tenant, items.size());
    items.push_back(AppendItem{std::move(row.value())});
  }
  std::map<TenantId, std::future<Result<std::vector<Placement>>>> pending;
  for (auto& [tenant, items] : by_tenant) pending.emplace(tenant, logs_->append(tenant, std::move(items)));
  const auto deadline = std::chrono::steady_clock::now() + options_.append_timeout;
  std::map<TenantId, std::vector<Placement>> placed;
  for (auto& [tenant, future] : pending) {
    if (future.wait_until(deadline) != std::future_status::ready) {
      metrics_->events.add({{"outcome", "failed"}}).Increment(static_cast<double>(req->events_size()));
      return scope({grpc::StatusCode::UNAVAILABLE, "the audit log did not commit in time; retry (appends are idempotent)"});
    }
    auto result = collect(future);
    if (!result) {
      metrics_->events.add({{"outcome", "failed"}}).Increment(static_cast<double>(req->events_size()));
      return scope(to_grpc(result.error()));
    }
    placed.emplace(tenant, std::move(result.value()));
  }
  for (const auto& [tenant, position] : where) {
    const Placement& p = placed.at(tenant).at(position);
    auto* a = res->add_appended();
    a->set_event_id(std::string(p.event_id.begin(), p.event_id.end()));
    a->set_leaf_index(p.leaf_index);
    a->set_duplicate(p.duplicate);
    metrics_->events.add({{"outcome", p.duplicate ? "duplicate" : "appended"}}).Increment();
  }
  return scope(grpc::Status::OK);
}

grpc::Status AuditGrpcService::Query(grpc::ServerContext* ctx, const v1::QueryRequest* req, v1::QueryResponse* res) {
  CallScope scope(*metrics_, "query");
  if (auto st = may_read(ctx, "Query"); !st.ok()) return scope(st);
  return scope(query_page(req, res));
}

Result<std::uint64_t> AuditGrpcService::effective_size(TenantLog& log, std::uint64_t requested) {
  if (requested != 0) return requested;
  auto cp = log.latest_checkpoint();
  if (!cp) return cp.error();
  return static_cast<std::uint64_t>(cp->tree_size);
}

grpc::Status AuditGrpcService::GetCheckpoint(grpc::ServerContext* ctx, const v1::GetCheckpointRequest* req,
                                             v1::Checkpoint* res) {
  CallScope scope(*metrics_, "get_checkpoint");
  if (auto st = may_read(ctx, "GetCheckpoint"); !st.ok()) return scope(st);
  auto tenant = id16(req->tenant(), "tenant");
  if (!tenant) return scope(to_grpc(tenant.error()));
  auto cp = store_->latest_checkpoint(*tenant);
  if (!cp) return scope(to_grpc(from_store(cp.error(), "checkpoint")));
  res->set_tenant(req->tenant());
  res->set_tree_size(static_cast<std::uint64_t>(cp->tree_size));
  res->set_root_hash(hash_string(cp->root_hash));
  res->set_timestamp_ms(static_cast<std::uint64_t>(cp->timestamp_ms));
  res->set_key_id(cp->key_id);
  res->set_signature(std::string(cp->signature.begin(), cp->signature.end()));
  return scope(grpc::Status::OK);
}

grpc::Status AuditGrpcService::GetInclusionProof(grpc::ServerContext* ctx, const v1::GetInclusionProofRequest* req,
                                                 v1::InclusionProof* res) {
  CallScope scope(*metrics_, "get_inclusion_proof");
  if (auto st = may_read(ctx, "GetInclusionProof"); !st.ok()) return scope(st);
  auto tenant = id16(req->tenant(), "tenant");
  if (!tenant) return scope(to_grpc(tenant.error()));
  Result<store::Entry> entry = make_error(Errc::kInvalidArgument, "event_id or leaf_index is required");
  if (req->leaf_case() == v1::GetInclusionProofRequest::kEventId) {
    auto id = id16(req->event_id(), "event_id");
    if (!id) return scope(to_grpc(id.error()));
    entry = store_->entry_by_event_id(*tenant, *id);
  } else if (req->leaf_case() == v1::GetInclusionProofRequest::kLeafIndex) {
    if (req->leaf_index() > static_cast<std::uint64_t>(INT64_MAX)) return scope({grpc::StatusCode::NOT_FOUND, "no such leaf"});
    entry = store_->entry_at(*tenant, static_cast<std::int64_t>(req->leaf_index()));
  }
  if (!entry) {
    return scope(to_grpc(has_code(entry.error(), Errc::kInvalidArgument) ? entry.error() : from_store(entry.error(), "leaf")));
  }
  auto log = logs_->log(*tenant);
  auto size = effective_size(*log, req->tree_size());
  if (!size) return scope(to_grpc(size.error()));
  const auto index = static_cast<std::uint64_t>(entry->leaf_index);
  if (index >= *size) return scope({grpc::StatusCode::FAILED_PRECONDITION, "the leaf is not in a tree of that size"});
  auto path = log->inclusion_proof(index, *size);
  if (!path) return scope(to_grpc(path.error()));
  res->set_leaf_index(index);
  res->set_tree_size(*size);
  for (const auto& h : *path) res->add_audit_path(hash_string(h));
  res->set_leaf_hash(hash_string(entry->leaf_hash));
  res->set_leaf_data(std::string(entry->leaf_data.begin(), entry->leaf_data.end()));
  return scope(grpc::Status::OK);
}

grpc::Status AuditGrpcService::GetConsistencyProof(grpc::ServerContext* ctx, const v1::GetConsistencyProofRequest* req,
                                                   v1::ConsistencyProof* res) {
  CallScope scope(*metrics_, "get_consistency_proof");
  if (auto st = may_read(ctx, "GetConsistencyProof"); !st.ok()) return scope(st);
  auto tenant = id16(req->tenant(), "tenant");
  if (!tenant) return scope(to_grpc(tenant.error()));
  auto log = logs_->log(*tenant);
  auto second = effective_size(*log, req->second_size());
  if (!second) return scope(to_grpc(second.error()));
  if (req->first_size() == 0 || req->first_size() > *second) {
    return scope({grpc::StatusCode::INVALID_ARGUMENT, "first_size must be between 1 and second_size"});
  }
  auto path = log->consistency_proof(req->first_size(), *second);
  if (!path) return scope(to_grpc(path.error()));
  res->set_first_size(req->first_size());
  res->set_second_size(*second);
  for (const auto& h : *path) res->add_path(hash_string(h));
  return scope(grpc::Status::OK);
}

grpc::Status AuditGrpcService::GetPublicKeys(grpc::ServerContext*, const v1::GetPublicKeysRequest*, v1::PublicKeys* res) {
  CallScope scope(*metrics_, "get_public_keys");
  for (const auto& k : keys_->public_keys()) {
    auto* out = res->add_keys();
    out->set_key_id(k.key_id);
    out->set_public_key(std::string(k.public_key.begin(), k.public_key.end()));
    out->mutable_not_before()->set_seconds(k.not_before_ms / 1000);
    if (k.not_after_ms) out->mutable_not_after()->set_seconds(*k.not_after_ms / 1000);
  }
  return scope(grpc::Status::OK);
}

}  // namespace bw::auditsvc
