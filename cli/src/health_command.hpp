// `breakwater health`: asks a Breakwater service (or any gRPC server) for its
// grpc.health.v1 status, verifying its certificate. Exit codes: 0 SERVING, 1 not serving
// or unreachable, 2 usage error.
#pragma once

namespace bw::cli {

int health_command(int argc, char** argv);

}  // namespace bw::cli
