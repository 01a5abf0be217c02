// An HTTPS/1.1 server for Breakwater's public JSON APIs (auth's /v1/...), on Boost.Beast.
// Beast stays inside server.cpp (it is heavy to compile).
//
// Guarantees:
//  - TLS (1.2+) unless the options say plaintext (only behind a terminating proxy).
//  - Bounded: headers ≤ max_header_bytes (431), bodies ≤ max_body_bytes (413), at most
//    max_connections open (more are closed at once), a deadline to receive each request
//    (request_timeout) and an idle limit between keep-alive requests (idle_timeout).
//  - Handlers run on a fixed pool of worker threads, never on the I/O thread, so a slow
//    handler (Argon2id) cannot stall other connections; when max_queued requests already
//    wait, the answer is 503 with Retry-After: 1 at once.
//  - Every response carries policy.hpp's security headers and CORS headers for the one
//    configured origin; CORS preflights are answered by the server itself.
//  - A handler that throws gets a 500 with a generic body; nothing of the exception or the
//    request is sent back.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bw/http/policy.hpp"
#include "bw/result.hpp"

namespace bw::http {

struct Request {
  std::string method;  // as sent, e.g. "POST"
  std::string target;  // "/v1/login?x=1"
  std::string path;    // "/v1/login"
  std::string query;   // "x=1"
  HeaderList headers;  // names lower-cased
  std::string body;
  std::string peer;    // the client's address (no port)
  bool tls = false;
  // The first header of that (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  HeaderList headers;      // added after the security and CORS headers
  std::string body;
  bool cacheable = false;  // see security_headers()
};

using Handler = std::function<Response(const Request&)>;

enum ServerError : int { kBadAddress = 300, kBadTls = 301, kCannotListen = 302 };

struct ServerOptions {
  std::string listen;  // host:port; port 0 picks a free one
  bool plaintext = false;
  std::string cert_pem;  // required unless plaintext
  std::string key_pem;
  std::size_t workers = 4;
  std::size_t max_queued = 256;
  std::size_t max_connections = 1024;
  std::uint32_t max_header_bytes = 8 * 1024;
  std::uint64_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds idle_timeout{30'000};
  CorsPolicy cors;
};

class Server {
 public:
  virtual ~Server() = default;
  virtual std::uint16_t port() const = 0;
  virtual std::size_t open_connections() const = 0;
  // Stops accepting, closes connections, lets running handlers end, joins every thread.
  virtual void stop() = 0;
};

Result<std::unique_ptr<Server>> start_server(ServerOptions options, Handler handler);

}  // namespace bw::http
