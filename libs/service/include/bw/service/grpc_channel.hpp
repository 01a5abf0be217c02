// Outbound gRPC channels to other Breakwater services.
//
// Guarantee: the server's certificate is always verified against the configured CA
// (never the system store by accident, never skipped) and, for calls between services,
// the caller presents its own certificate (mutual TLS under the cluster CA). A plaintext
// channel is made only when the caller's configuration explicitly says plaintext.
#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "bw/result.hpp"
#include "bw/service/tls.hpp"

namespace bw::service {

struct ChannelOptions {
  std::string target;          // host:port
  TlsFiles tls;                // ca_file required; cert/key for mutual TLS
  bool plaintext = false;      // explicit opt-out, for a mesh that terminates TLS itself
  bool mutual = true;          // present a client certificate
  std::string server_name;     // expected name in the server certificate, if not the host
};

Result<std::shared_ptr<grpc::Channel>> make_channel(const ChannelOptions& options);

}  // namespace bw::service
