// A small HTTP/1.1 server for the operations endpoints (/healthz, /readyz, /metrics).
//
// Guarantees: TLS unless the configuration says plaintext; one request per connection,
// headers capped at 8 KiB, no request body accepted, and every connection closed after
// connection_deadline (5 s) whatever the peer does, so a slow or hostile client cannot pin resources; one
// I/O thread. Beast stays inside ops_server.cpp (it is heavy to compile).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bw/result.hpp"
#include "bw/service/ops_routes.hpp"

namespace bw::service {

enum OpsError : int { kOpsBadAddress = 200, kOpsBadTls = 202, kOpsCannotListen = 203 };

struct OpsServerOptions {
  std::string listen;       // host:port; port 0 picks a free one
  bool plaintext = false;
  std::string cert_pem;     // required unless plaintext
  std::string key_pem;
  std::chrono::milliseconds connection_deadline{5000};  // a connection's whole life
};

using OpsHandler = std::function<OpsResponse(std::string_view method, std::string_view target)>;

class OpsServer {
 public:
  virtual ~OpsServer() = default;
  virtual std::uint16_t port() const = 0;
  // Stops accepting, closes connections and joins the I/O thread. Idempotent.
  virtual void stop() = 0;
};

Result<std::unique_ptr<OpsServer>> start_ops_server(const OpsServerOptions& options, OpsHandler handler);

// Splits "host:port" ("[::1]:80" too). Error if the port is not a number in 0..65535.
Result<std::pair<std::string, std::uint16_t>> split_host_port(std::string_view address);

}  // namespace bw::service
