// The HTTP rules every public Breakwater endpoint follows, as pure functions so the auth
// API and the relay's WebSocket upgrade apply exactly the same ones:
//  - security headers on every response (strict CSP for an API that serves no HTML,
//    framing denied, no sniffing, no referrer, HSTS over TLS, no-store unless a handler
//    says a response may be cached);
//  - CORS for at most ONE configured origin, compared exactly (scheme, host and port), no
//    credentials, a fixed set of methods and request headers; anything else gets no CORS
//    headers, so the browser refuses it;
//  - Origin and Host checked against allowlists (exact, case-insensitive for the host, a
//    missing Origin allowed only where the caller says non-browser clients may come).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bw::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Headers for every response. `tls`: the connection is TLS (adds HSTS). `cacheable`: the
// handler allows caching (e.g. a public key set); otherwise Cache-Control: no-store.
HeaderList security_headers(bool tls, bool cacheable = false);

struct CorsPolicy {
  std::string origin;  // e.g. "https://app.example.com"; empty: no cross-origin access
  std::vector<std::string> methods{"GET", "POST", "PUT", "PATCH", "DELETE"};
  std::vector<std::string> request_headers{"authorization", "content-type"};
  int max_age_seconds = 600;
};

// The answer to a CORS preflight (OPTIONS with Access-Control-Request-Method).
struct Preflight {
  bool allowed = false;
  HeaderList headers;  // empty when not allowed
};

// True when the request is a CORS preflight.
bool is_preflight(std::string_view method, std::optional<std::string_view> origin,
                  std::optional<std::string_view> request_method);

// Decides a preflight. `request_headers` is the raw Access-Control-Request-Headers value.
Preflight preflight(const CorsPolicy& policy, std::string_view origin, std::string_view request_method,
                    std::string_view request_headers);

// Headers to add to an actual (non-preflight) response: Access-Control-Allow-Origin and
// Vary: Origin when `origin` is exactly the configured one; only Vary otherwise.
HeaderList cors_response_headers(const CorsPolicy& policy, std::optional<std::string_view> origin);

// Origin allowlist for WebSocket upgrades and state-changing requests: exact match against
// one of `allowed` (serialised origins, no trailing slash). A missing Origin passes only
// when `allow_missing` (non-browser clients such as the terminal client).
bool origin_allowed(std::optional<std::string_view> origin, std::span<const std::string> allowed, bool allow_missing);

// Host allowlist: the Host header (with or without a port) names one of `allowed`,
// compared case-insensitively; `allowed` entries may carry a port to require it.
bool host_allowed(std::string_view host, std::span<const std::string> allowed);

}  // namespace bw::http
