// See audit_reader.hpp.
#include "api/audit_reader.hpp"

#include <grpcpp/grpcpp.h>

#include "breakwater/audit/v1/audit.grpc.pb.h"

namespace bw::auth::api {
namespace {

namespace v1 = breakwater::audit::v1;

std::string tenant_bytes(const store::Id& t) { return std::string(t.begin(), t.end()); }

class GrpcAuditReader final : public AuditReader {
 public:
  GrpcAuditReader(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds timeout)
      : stub_(v1::Audit::NewStub(std::move(channel))), timeout_(timeout) {}

  Result<v1::Checkpoint> checkpoint(const store::Id& tenant) override {
    v1::GetCheckpointRequest req;
    req.set_tenant(tenant_bytes(tenant));
    return call<v1::Checkpoint>([&](auto* ctx, auto* res) { return stub_->GetCheckpoint(ctx, req, res); });
  }
  Result<v1::PublicKeys> keys() override {
    return call<v1::PublicKeys>([&](auto* ctx, auto* res) { return stub_->GetPublicKeys(ctx, {}, res); });
  }
  Result<v1::QueryResponse> query(const store::Id& tenant, v1::QueryRequest req) override {
    req.set_tenant(tenant_bytes(tenant));
    return call<v1::QueryResponse>([&](auto* ctx, auto* res) { return stub_->Query(ctx, req, res); });
  }
  Result<v1::InclusionProof> inclusion(const store::Id& tenant, v1::GetInclusionProofRequest req) override {
    req.set_tenant(tenant_bytes(tenant));
    return call<v1::InclusionProof>([&](auto* ctx, auto* res) { return stub_->GetInclusionProof(ctx, req, res); });
  }
  Result<v1::ConsistencyProof> consistency(const store::Id& tenant, v1::GetConsistencyProofRequest req) override {
    req.set_tenant(tenant_bytes(tenant));
    return call<v1::ConsistencyProof>([&](auto* ctx, auto* res) { return stub_->GetConsistencyProof(ctx, req, res); });
  }

 private:
  template <class Res, class Fn>
  Result<Res> call(Fn&& fn) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
    Res res;
    const grpc::Status st = fn(&ctx, &res);
    if (!st.ok()) return Error{static_cast<int>(st.error_code()), st.error_message()};
    return res;
  }

  std::unique_ptr<v1::Audit::Stub> stub_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::shared_ptr<AuditReader> make_grpc_audit_reader(std::shared_ptr<grpc::Channel> channel,
                                                    std::chrono::milliseconds timeout) {
  return std::make_shared<GrpcAuditReader>(std::move(channel), timeout);
}

}  // namespace bw::auth::api
