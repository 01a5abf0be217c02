// grpc.health.v1.Health for every Breakwater service, fed by Readiness.
//
// Guarantees: Check answers SERVING only while every readiness check passes and the
// service is not draining; "" names the whole server, and each registered service name is
// known (others get NOT_FOUND, as the protocol says). Watch sends the current status at
// once and again on every change; on drain it sends NOT_SERVING and ends, so open watches
// never hold up shutdown. A Watch occupies a server thread, so at most kMaxWatches run at
// once; more get RESOURCE_EXHAUSTED (the relay's port is public: this bounds what an
// anonymous caller can hold).
#pragma once

#include <atomic>
#include <set>
#include <string>

#include "bw/service/readiness.hpp"
#include "grpc/health/v1/health.grpc.pb.h"

namespace bw::service {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  static constexpr int kMaxWatches = 4;

  explicit HealthService(const Readiness& readiness) : readiness_(readiness) {}

  // Adds a service name Check/Watch will know (e.g. "breakwater.relay.v1.Relay").
  void add_service_name(std::string name) { names_.insert(std::move(name)); }
  // Ends open watches (called when the drain starts).
  void shutdown() { shutdown_ = true; }

  grpc::Status Check(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::health::v1::HealthCheckResponse* res) override;
  grpc::Status Watch(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;
  grpc::Status List(grpc::ServerContext* ctx, const grpc::health::v1::HealthListRequest* req,
                    grpc::health::v1::HealthListResponse* res) override;

 private:
  grpc::health::v1::HealthCheckResponse::ServingStatus status_of(const std::string& service) const;
  const Readiness& readiness_;
  std::set<std::string> names_{""};
  std::atomic<bool> shutdown_{false};
  std::atomic<int> watches_{0};
};

}  // namespace bw::service
