// Test-side TLS helpers: an HTTPS GET that verifies the server against a CA (optionally
// presenting a client certificate), used to probe the services' ops endpoints as
// Prometheus and kubelet would.
#pragma once

#include <cstdint>
#include <string>

namespace bw::testing {

struct HttpsResult {
  bool handshake_ok = false;
  int status = 0;
  std::string body;
};

HttpsResult https_get(std::uint16_t port, const std::string& ca_file, const std::string& path,
                      const std::string& host = "localhost");

}  // namespace bw::testing
