// Envoy RLS adapter (see grpc_service.hpp).
#include "grpc_service.hpp"

#include "rls_request.hpp"

namespace bw::ratelimit {
namespace {

using envoy::service::ratelimit::v3::RateLimitResponse;

RateLimitResponse::RateLimit::Unit to_unit(Unit unit) {
  switch (unit) {
    case Unit::kSecond: return RateLimitResponse::RateLimit::SECOND;
    case Unit::kMinute: return RateLimitResponse::RateLimit::MINUTE;
    case Unit::kHour: return RateLimitResponse::RateLimit::HOUR;
    case Unit::kDay: return RateLimitResponse::RateLimit::DAY;
  }
  return RateLimitResponse::RateLimit::UNKNOWN;
}

void fill(const Decision& d, RateLimitResponse& res) {
  res.set_overall_code(d.over_limit ? RateLimitResponse::OVER_LIMIT : RateLimitResponse::OK);
  for (const auto& s : d.statuses) {
    auto* st = res.add_statuses();
    st->set_code(s.over_limit ? RateLimitResponse::OVER_LIMIT : RateLimitResponse::OK);
    if (!s.limit) continue;
    st->mutable_current_limit()->set_requests_per_unit(s.limit->requests_per_unit);
    st->mutable_current_limit()->set_unit(to_unit(s.limit->unit));
    st->set_limit_remaining(static_cast<std::uint32_t>(std::min<std::uint64_t>(s.remaining, UINT32_MAX)));
    const auto ms = std::max<std::int64_t>(s.reset_after_ms, 0);
    st->mutable_duration_until_reset()->set_seconds(ms / 1000);
    st->mutable_duration_until_reset()->set_nanos(static_cast<std::int32_t>((ms % 1000) * 1'000'000));
  }
}

}  // namespace

grpc::ServerUnaryReactor* RateLimitGrpcService::ShouldRateLimit(
    grpc::CallbackServerContext* ctx, const envoy::service::ratelimit::v3::RateLimitRequest* req,
    RateLimitResponse* res) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  // The limiter outlives the call (the server is shut down before the service is freed);
  // `res` stays valid until Finish.
  limiter_->decide_async(to_request(*req), [reactor, res](Result<Decision> decision) {
    if (!decision) {
      reactor->Finish({grpc::StatusCode::INVALID_ARGUMENT, decision.error().message});
      return;
    }
    fill(decision.value(), *res);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace bw::ratelimit
