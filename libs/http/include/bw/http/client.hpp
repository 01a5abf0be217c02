// A small HTTPS/1.1 JSON client for the command-line tools (breakwater-agent, breakwater)
// talking to the auth service's public API. Beast and OpenSSL stay inside client.cpp.
//
// Guarantees:
//  - TLS only (https:// URLs; plain http is refused), TLS 1.2 or later, the server's
//    certificate verified against `ca_file` when given, else the system trust store, and its
//    name checked against the URL's host (SNI sent for names, not for IP literals).
//  - Every request has a deadline (connect, handshake, write and read together take at most
//    `timeout`; name resolution uses the system resolver and its own limits); responses
//    larger than `max_response_bytes` are refused (a declared Content-Length at once).
//  - Nothing is logged: not bodies, not headers, not the Authorization value. Error messages
//    name the host and what failed, never request or response content.
//  - One connection per request (Connection: close), so no state is shared between calls.
// Thread-safety: a Client may be used from one thread at a time; separate Clients are
// independent.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bw/result.hpp"

namespace bw::http {

enum ClientError : int {
  kClientBadUrl = 320,       // not https://host[:port][/base]
  kClientTls = 321,          // CA file unreadable, handshake or certificate check failed
  kClientConnect = 322,      // name resolution or TCP connect failed
  kClientTimeout = 323,      // the deadline passed
  kClientTooLarge = 324,     // the response exceeded max_response_bytes
  kClientProtocol = 325,     // the answer is not valid HTTP/1.1
};

struct ClientOptions {
  std::string ca_file;  // PEM bundle; empty: the system trust store
  std::chrono::milliseconds timeout{15000};
  std::size_t max_response_bytes = 1 << 20;
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The first header of that (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const;
};

// "HTTP 403: wrong_code (the message)" from an error answer's {"error","message"} body
// (only those two fields, each cut to 200 bytes; never the rest of the body).
std::string describe_failure(const ClientResponse& response);

// A parsed https base URL: "https://auth.example.com:8443/prefix" → host, port, base path.
struct BaseUrl {
  std::string host;
  std::uint16_t port = 443;
  std::string base_path;  // "" or "/prefix" (no trailing '/')
  // "https://host[:port]" (the port only when not 443): the URL's origin.
  std::string origin() const;
};
// Errors: kClientBadUrl for anything but https://, an empty host, a bad port, a query,
// fragment or user-info part.
Result<BaseUrl> parse_base_url(std::string_view url);

class Client {
 public:
  // Errors: kClientBadUrl, kClientTls (the CA file cannot be loaded).
  static Result<Client> create(std::string_view base_url, ClientOptions options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  // Sends `method` to base path + `path` ("/v1/login"). A non-empty `json_body` (or any POST)
  // is sent as application/json; a non-empty `bearer` as "Authorization: Bearer …". Any HTTP
  // status is a success here (callers read it); errors are transport failures only.
  Result<ClientResponse> request(std::string_view method, std::string_view path, std::string_view json_body = {},
                                 std::string_view bearer = {});

  const BaseUrl& url() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::http
