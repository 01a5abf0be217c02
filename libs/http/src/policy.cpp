// HTTP policy (see policy.hpp).
#include "bw/http/policy.hpp"

#include <algorithm>
#include <cctype>

namespace bw::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

HeaderList security_headers(bool tls, bool cacheable) {
  HeaderList h{
      {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
      {"Cache-Control", cacheable ? "public, max-age=300" : "no-store"},
  };
  if (!cacheable) h.emplace_back("Pragma", "no-cache");
  if (tls) h.emplace_back("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  return h;
}

bool is_preflight(std::string_view method, std::optional<std::string_view> origin,
                  std::optional<std::string_view> request_method) {
  return method == "OPTIONS" && origin.has_value() && request_method.has_value();
}

Preflight preflight(const CorsPolicy& policy, std::string_view origin, std::string_view request_method,
                    std::string_view request_headers) {
  Preflight p;
  if (policy.origin.empty() || origin != policy.origin) return p;
  if (std::find(policy.methods.begin(), policy.methods.end(), request_method) == policy.methods.end()) return p;
  std::string_view rest = request_headers;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto name = lower(trim(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (name.empty()) continue;
    if (std::find(policy.request_headers.begin(), policy.request_headers.end(), name) == policy.request_headers.end()) {
      return p;
    }
  }
  p.allowed = true;
  p.headers = {{"Access-Control-Allow-Origin", policy.origin},
               {"Access-Control-Allow-Methods", join(policy.methods)},
               {"Access-Control-Allow-Headers", join(policy.request_headers)},
               {"Access-Control-Max-Age", std::to_string(policy.max_age_seconds)},
               {"Vary", "Origin"}};
  return p;
}

HeaderList cors_response_headers(const CorsPolicy& policy, std::optional<std::string_view> origin) {
  HeaderList h{{"Vary", "Origin"}};
  if (!policy.origin.empty() && origin && *origin == policy.origin) {
    h.emplace_back("Access-Control-Allow-Origin", policy.origin);
  }
  return h;
}

bool origin_allowed(std::optional<std::string_view> origin, std::span<const std::string> allowed, bool allow_missing) {
  if (!origin) return allow_missing;
  if (*origin == "null") return false;  // sandboxed frames, file:// pages
  return std::find(allowed.begin(), allowed.end(), *origin) != allowed.end();
}

namespace {

// "name[:port]" or "[v6]:port" split into a lower-case name and an optional port; nullopt
// for anything malformed (empty name, a non-numeric or empty port, stray characters).
std::optional<std::pair<std::string, std::string>> split_host(std::string_view host) {
  if (host.empty() || host.find_first_of(" \t\r\n/@\\?#") != std::string_view::npos) return std::nullopt;
  std::string_view name = host, port;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    name = host.substr(0, close + 1);
    const auto rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    if (port.empty()) return std::nullopt;
  }
  if (name.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::make_pair(lower(name), std::string(port));
}

}  // namespace

bool host_allowed(std::string_view host, std::span<const std::string> allowed) {
  const auto got = split_host(host);
  if (!got) return false;
  for (const auto& a : allowed) {
    const auto want = split_host(a);
    if (want && want->first == got->first && (want->second.empty() || want->second == got->second)) return true;
  }
  return false;
}

}  // namespace bw::http
