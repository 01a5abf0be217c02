// envoy.service.ratelimit.v3.RateLimitService on the Limiter: translates Envoy's messages
// to a Request and a Decision back, and errors to gRPC status codes (an invalid request or
// unknown domain → INVALID_ARGUMENT with the reason). Nothing else lives here.
// Served with gRPC's callback API: no thread waits while Redis answers; the Limiter
// finishes each call from its Batcher's dispatcher once the pipeline's replies are in.
#pragma once

#include <memory>

#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "limiter.hpp"

namespace bw::ratelimit {

class RateLimitGrpcService final : public envoy::service::ratelimit::v3::RateLimitService::CallbackService {
 public:
  explicit RateLimitGrpcService(std::shared_ptr<Limiter> limiter) : limiter_(std::move(limiter)) {}
  grpc::ServerUnaryReactor* ShouldRateLimit(grpc::CallbackServerContext* ctx,
                                            const envoy::service::ratelimit::v3::RateLimitRequest* req,
                                            envoy::service::ratelimit::v3::RateLimitResponse* res) override;

 private:
  std::shared_ptr<Limiter> limiter_;
};

}  // namespace bw::ratelimit
