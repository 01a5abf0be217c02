// Envoy's RateLimitRequest (envoy.service.ratelimit.v3) to the service's Request: a pure
// field-by-field copy with no checks, shared by the gRPC adapter and the request fuzzer.
// Bounds and meaning are validate()'s job (core/request.hpp), so whatever arrives on the
// wire is copied as is and judged there; the copy itself never fails.
#pragma once

#include "core/request.hpp"
#include "envoy/service/ratelimit/v3/rls.pb.h"

namespace bw::ratelimit {

// Domain, request hits_addend, and every descriptor's entries in order with its optional
// hits_addend override (absent when the wrapper is unset, as Envoy distinguishes them).
Request to_request(const envoy::service::ratelimit::v3::RateLimitRequest& request);

}  // namespace bw::ratelimit
