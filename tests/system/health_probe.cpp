// gRPC health probing for system tests (see health_probe.hpp).
#include "health_probe.hpp"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "bw/service/grpc_channel.hpp"

namespace bw::testing {

Result<std::unique_ptr<grpc::health::v1::Health::Stub>> health_stub(std::uint16_t port, const service::TlsFiles& tls,
                                                                    bool mutual) {
  service::ChannelOptions o;
  o.target = "127.0.0.1:" + std::to_string(port);
  o.tls = tls;
  o.mutual = mutual;
  o.server_name = "localhost";
  auto channel = service::make_channel(o);
  if (!channel) return channel.error();
  return grpc::health::v1::Health::NewStub(channel.value());
}

Result<grpc::health::v1::HealthCheckResponse::ServingStatus> check_health(std::uint16_t port,
                                                                          const service::TlsFiles& tls, bool mutual,
                                                                          const std::string& service) {
  auto stub = health_stub(port, tls, mutual);
  if (!stub) return stub.error();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse res;
  const grpc::Status st = stub.value()->Check(&ctx, req, &res);
  if (!st.ok()) return Error{st.error_code(), st.error_message()};
  return res.status();
}

}  // namespace bw::testing
