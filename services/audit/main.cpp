// breakwater-audit: per-tenant tamper-evident log with signed checkpoints (DESIGN §6).
#include "bw/service/service_main.hpp"

int main(int argc, char** argv) {
  bw::service::ServiceSpec spec;
  spec.name = "audit";
  spec.summary = "per-tenant tamper-evident audit log with signed checkpoints and proofs";
  spec.grpc_port = 7430;
  spec.ops_port = 9430;
  spec.require_client_certs = true;
  return bw::service::run_service(argc, argv, spec);
}
