// Test-side HTTPS/1.1 client for the auth API: one request per connection (Connection:
// close), the server verified against the suite's CA as "localhost".
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bw::testing {

struct ApiReply {
  int status = 0;  // 0: no answer (connection or TLS failed)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const;
};

ApiReply api_call(std::uint16_t port, const std::string& ca_file, const std::string& method, const std::string& path,
                  const std::string& body = "", std::vector<std::pair<std::string, std::string>> headers = {});

}  // namespace bw::testing
