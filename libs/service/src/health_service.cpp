// grpc.health.v1 implementation (see health_service.hpp).
#include "bw/service/health_service.hpp"

#include <chrono>
#include <thread>

namespace bw::service {

using grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus HealthService::status_of(const std::string& service) const {
  if (!names_.count(service)) return HealthCheckResponse::SERVICE_UNKNOWN;
  return (!shutdown_ && readiness_.snapshot().ready) ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

grpc::Status HealthService::Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* req,
                                  HealthCheckResponse* res) {
  const auto status = status_of(req->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) return {grpc::StatusCode::NOT_FOUND, "unknown service"};
  res->set_status(status);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  constexpr auto kPollEvery = std::chrono::milliseconds(200);
  if (watches_.fetch_add(1) >= kMaxWatches) {
    watches_.fetch_sub(1);
    return {grpc::StatusCode::RESOURCE_EXHAUSTED, "too many health watches; use Check"};
  }
  struct Release {
    std::atomic<int>& n;
    ~Release() { n.fetch_sub(1); }
  } release{watches_};
  int last = -1;
  while (!ctx->IsCancelled()) {
    const auto status = status_of(req->service());
    if (status != last) {
      HealthCheckResponse res;
      res.set_status(status);
      if (!writer->Write(res)) break;
      last = status;
    }
    if (shutdown_) break;
    std::this_thread::sleep_for(kPollEvery);
  }
  return grpc::Status::OK;
}

grpc::Status HealthService::List(grpc::ServerContext*, const grpc::health::v1::HealthListRequest*,
                                 grpc::health::v1::HealthListResponse* res) {
  for (const auto& name : names_) (*res->mutable_statuses())[name].set_status(status_of(name));
  return grpc::Status::OK;
}

}  // namespace bw::service
