// breakwater.audit.v1.Audit over the tenant logs: translates messages (event_convert.hpp)
// and errors to gRPC status codes, checks who may call what, and counts every outcome.
// Nothing else lives here.
//
// Access: every caller presents a client certificate of the cluster CA (mutual TLS, checked
// by the server). Append is open to every such caller (the producing services). Reads —
// Query, checkpoints, proofs — only to the certificate names in `readers` (audit.readers:
// auth, which serves tenant admins their own tenant's log, and operators), so a producer's
// stolen certificate cannot read other tenants' logs.
//
// Append answers only when every event of the request is durable; on a deadline or an
// unavailable database it answers UNAVAILABLE and the producer retries — retrying is safe,
// since appends are idempotent by event id.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "breakwater/audit/v1/audit.grpc.pb.h"
#include "bw/metrics/metrics.hpp"
#include "checkpoint_keys.hpp"
#include "log_actors.hpp"

namespace bw::auditsvc {

struct AuditServiceOptions {
  std::vector<std::string> readers;                 // certificate names allowed to read
  bool check_readers = true;                        // false only on a plaintext test listener
  std::size_t max_append_events = 1000;             // per request
  std::chrono::milliseconds append_timeout{10'000};
};

class AuditGrpcService final : public breakwater::audit::v1::Audit::Service {
 public:
  AuditGrpcService(std::shared_ptr<LogActors> logs, std::shared_ptr<audit::store::Store> store,
                   std::shared_ptr<CheckpointKeys> keys, AuditServiceOptions options, metrics::Factory& metrics);
  ~AuditGrpcService() override;

  grpc::Status Append(grpc::ServerContext* ctx, const breakwater::audit::v1::AppendRequest* req,
                      breakwater::audit::v1::AppendResponse* res) override;
  grpc::Status Query(grpc::ServerContext* ctx, const breakwater::audit::v1::QueryRequest* req,
                     breakwater::audit::v1::QueryResponse* res) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* ctx, const breakwater::audit::v1::GetCheckpointRequest* req,
                             breakwater::audit::v1::Checkpoint* res) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* ctx, const breakwater::audit::v1::GetInclusionProofRequest* req,
                                 breakwater::audit::v1::InclusionProof* res) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* ctx,
                                   const breakwater::audit::v1::GetConsistencyProofRequest* req,
                                   breakwater::audit::v1::ConsistencyProof* res) override;
  grpc::Status GetPublicKeys(grpc::ServerContext* ctx, const breakwater::audit::v1::GetPublicKeysRequest* req,
                             breakwater::audit::v1::PublicKeys* res) override;

  struct Metrics;

 private:
  grpc::Status may_read(grpc::ServerContext* ctx, const char* method);
  grpc::Status query_page(const breakwater::audit::v1::QueryRequest* req, breakwater::audit::v1::QueryResponse* res);
  // The tree size a read names: `requested`, or the latest checkpoint's when 0.
  Result<std::uint64_t> effective_size(TenantLog& log, std::uint64_t requested);

  std::shared_ptr<LogActors> logs_;
  std::shared_ptr<audit::store::Store> store_;
  std::shared_ptr<CheckpointKeys> keys_;
  AuditServiceOptions options_;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace bw::auditsvc
