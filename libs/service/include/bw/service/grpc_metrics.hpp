// Per-method gRPC server metrics, recorded by an interceptor so no handler can forget them:
//   breakwater_<service>_grpc_requests_total{method, code}
//   breakwater_<service>_grpc_request_duration_seconds{method}
// `method` is the full method name ("/grpc.health.v1.Health/Check"), a bounded set fixed by
// the registered services; `code` is the gRPC status name. No label carries an identity.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "bw/metrics/metrics.hpp"

namespace bw::service {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> make_grpc_metrics(metrics::Factory& metrics);

// The canonical name of a gRPC status code ("OK", "UNAVAILABLE", ...).
const char* status_code_name(grpc::StatusCode code);

}  // namespace bw::service
