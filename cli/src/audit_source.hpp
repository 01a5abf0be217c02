// Where `breakwater audit` reads a tenant's log from: straight from breakwater-audit over
// mutual TLS (operators, any tenant), or through auth's public API with the signed-in
// session (a tenant's owners and admins, their own tenant). Both give the same
// breakwater.audit.v1 messages, so audit_verify.hpp checks them the same way and trusts
// neither.
#pragma once

#include <memory>
#include <string>

#include "breakwater/audit/v1/audit.pb.h"
#include "bw/audit/event.hpp"
#include "bw/result.hpp"

namespace bw::cli {

struct CommandEnv;

class AuditSource {
 public:
  virtual ~AuditSource() = default;
  virtual Status keys(breakwater::audit::v1::PublicKeys* out) = 0;
  virtual Status checkpoint(breakwater::audit::v1::Checkpoint* out) = 0;
  virtual Status consistency(std::uint64_t first, std::uint64_t second, breakwater::audit::v1::ConsistencyProof* out) = 0;
  virtual Status inclusion(const std::string& event_id, std::uint64_t tree_size,
                           breakwater::audit::v1::InclusionProof* out) = 0;
  // One page of events, oldest first, after `page_token` ("" for the first).
  virtual Status page(const std::string& page_token, breakwater::audit::v1::QueryResponse* out) = 0;
};

struct GrpcSourceOptions {
  std::string target, ca_file, cert_file, key_file, server_name;
  audit::Id tenant{};
  long timeout_ms = 10'000;
};
// The operator's source. Errors: the channel's (bad TLS files).
Result<std::unique_ptr<AuditSource>> grpc_audit_source(const GrpcSourceOptions& options);
// The signed-in user's source (auth's /v1/audit routes). Errors: not signed in.
Result<std::unique_ptr<AuditSource>> api_audit_source(const CommandEnv& env);

}  // namespace bw::cli
