// AuditReader: the port through which the public API reads the caller's tenant's audit log
// from breakwater-audit (its gRPC API, as a reader in audit.readers). One implementation
// over gRPC (audit_reader.cpp); tests may fake it.
//
// Contract: every call names one tenant and the implementation passes exactly that tenant
// on; answers are breakwater.audit.v1 messages as the audit service sent them. Errors carry
// a grpc::StatusCode number in Error::code (NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION,
// UNAVAILABLE, …).
#pragma once

#include <chrono>
#include <memory>

#include "breakwater/audit/v1/audit.pb.h"
#include "bw/result.hpp"
#include "store/types.hpp"

namespace grpc {
class Channel;
}

namespace bw::auth::api {

class AuditReader {
 public:
  virtual ~AuditReader() = default;
  virtual Result<breakwater::audit::v1::Checkpoint> checkpoint(const store::Id& tenant) = 0;
  virtual Result<breakwater::audit::v1::PublicKeys> keys() = 0;
  // req.tenant is overwritten with `tenant`.
  virtual Result<breakwater::audit::v1::QueryResponse> query(const store::Id& tenant,
                                                             breakwater::audit::v1::QueryRequest req) = 0;
  virtual Result<breakwater::audit::v1::InclusionProof> inclusion(const store::Id& tenant,
                                                                  breakwater::audit::v1::GetInclusionProofRequest req) = 0;
  virtual Result<breakwater::audit::v1::ConsistencyProof> consistency(
      const store::Id& tenant, breakwater::audit::v1::GetConsistencyProofRequest req) = 0;
};

// The reader over a channel to breakwater-audit, each call with `timeout`.
std::shared_ptr<AuditReader> make_grpc_audit_reader(std::shared_ptr<grpc::Channel> channel,
                                                    std::chrono::milliseconds timeout);

}  // namespace bw::auth::api
