// breakwater-auth: accounts, tenants, roles, tokens, devices and pairing (DESIGN §2).
// This binary wires components together; the logic lives in src/ (see docs/).
#include "bw/service/service_main.hpp"

int main(int argc, char** argv) {
  bw::service::ServiceSpec spec;
  spec.name = "auth";
  spec.summary = "identity authority: accounts, tenants, tokens, devices, pairing";
  spec.grpc_port = 7410;
  spec.ops_port = 9410;
  spec.require_client_certs = true;  // the internal API is for services holding cluster certificates
  return bw::service::run_service(argc, argv, spec);
}
