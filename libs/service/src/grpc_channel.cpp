// Outbound channels (see grpc_channel.hpp).
#include "bw/service/grpc_channel.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace bw::service {

Result<std::shared_ptr<grpc::Channel>> make_channel(const ChannelOptions& options) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  if (options.plaintext) {
    return grpc::CreateCustomChannel(options.target, grpc::InsecureChannelCredentials(), args);
  }
  auto material = load_tls(options.tls, options.mutual, /*need_ca=*/true);
  if (!material) return material.error();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = material->ca_pem;
  if (options.mutual) {
    ssl.pem_cert_chain = material->cert_pem;
    ssl.pem_private_key = material->key_pem;
  }
  if (!options.server_name.empty()) {
    args.SetSslTargetNameOverride(options.server_name);
  }
  return grpc::CreateCustomChannel(options.target, grpc::SslCredentials(ssl), args);
}

}  // namespace bw::service
