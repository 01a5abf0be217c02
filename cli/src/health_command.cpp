// `breakwater health` (see health_command.hpp).
#include "health_command.hpp"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <string>

#include "bw/service/grpc_channel.hpp"
#include "grpc/health/v1/health.grpc.pb.h"

namespace bw::cli {
namespace {

constexpr const char* kUsage =
    "Usage: breakwater health ADDRESS [options]\n\n"
    "Asks the gRPC server at ADDRESS (host:port) for its grpc.health.v1 status.\n\n"
    "Options:\n"
    "  --ca FILE           CA that must have signed the server's certificate (required unless --plaintext)\n"
    "  --cert FILE         client certificate, for servers that require mutual TLS\n"
    "  --key FILE          client private key\n"
    "  --server-name NAME  name expected in the server certificate (default: the host)\n"
    "  --service NAME      ask about one service (default: the whole server)\n"
    "  --timeout-ms N      give up after N milliseconds (default 3000)\n"
    "  --plaintext         connect without TLS (only for servers configured plaintext)\n\n"
    "Exit status: 0 SERVING, 1 not serving or unreachable, 2 usage error.\n";

}  // namespace

int health_command(int argc, char** argv) {
  service::ChannelOptions opts;
  std::string service_name;
  long timeout_ms = 3000;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : std::string(); };
    if (a == "--help" || a == "-h") return std::cout << kUsage, 0;
    if (a == "--ca") opts.tls.ca_file = next();
    else if (a == "--cert") opts.tls.cert_file = next();
    else if (a == "--key") opts.tls.key_file = next();
    else if (a == "--server-name") opts.server_name = next();
    else if (a == "--service") service_name = next();
    else if (a == "--timeout-ms") timeout_ms = std::atol(next().c_str());
    else if (a == "--plaintext") opts.plaintext = true;
    else if (!a.starts_with("-") && opts.target.empty()) opts.target = a;
    else return std::cerr << "breakwater health: unknown argument '" << a << "'\n\n" << kUsage, 2;
  }
  if (opts.target.empty() || timeout_ms <= 0) return std::cerr << kUsage, 2;
  opts.mutual = !opts.tls.cert_file.empty();
  auto channel = service::make_channel(opts);
  if (!channel) return std::cerr << "breakwater health: " << channel.error().message << "\n", 2;

  auto stub = grpc::health::v1::Health::NewStub(channel.value());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service_name);
  grpc::health::v1::HealthCheckResponse res;
  const grpc::Status st = stub->Check(&ctx, req, &res);
  if (!st.ok()) {
    std::cout << "UNREACHABLE " << opts.target << ": " << st.error_message() << "\n";
    return 1;
  }
  std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(res.status()) << "\n";
  return res.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace bw::cli
