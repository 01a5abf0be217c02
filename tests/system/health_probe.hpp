// Test-side gRPC health probing of a service on loopback, over TLS verified against a CA
// (the server name expected is "localhost", which the dev certificates carry).
#pragma once

#include <cstdint>
#include <memory>

#include "bw/result.hpp"
#include "bw/service/tls.hpp"
#include "grpc/health/v1/health.grpc.pb.h"

namespace bw::testing {

// A Health stub for 127.0.0.1:port; `mutual` presents tls.cert_file/key_file.
Result<std::unique_ptr<grpc::health::v1::Health::Stub>> health_stub(std::uint16_t port, const service::TlsFiles& tls,
                                                                    bool mutual);

// One Check of `service` ("" is the whole server) with a 3 s deadline. Error.code is the
// gRPC status code when the call fails.
Result<grpc::health::v1::HealthCheckResponse::ServingStatus> check_health(std::uint16_t port,
                                                                          const service::TlsFiles& tls, bool mutual,
                                                                          const std::string& service = "");

}  // namespace bw::testing
