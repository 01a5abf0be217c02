// The HTTP rules: security headers on every response, CORS for exactly one origin, and
// the Origin/Host allowlists, each attacked with the near misses a browser or proxy sends.
#include "bw/http/policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace bw::http {
namespace {

std::optional<std::string> header(const HeaderList& h, std::string_view name) {
  auto it = std::find_if(h.begin(), h.end(), [&](const auto& kv) { return kv.first == name; });
  if (it == h.end()) return std::nullopt;
  return it->second;
}

TEST(SecurityHeaders, AreStrictByDefault) {
  const auto h = security_headers(true);
  EXPECT_EQ(header(h, "X-Frame-Options"), "DENY");
  EXPECT_EQ(header(h, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(h, "Cache-Control"), "no-store");
  EXPECT_NE(header(h, "Content-Security-Policy")->find("default-src 'none'"), std::string::npos);
  EXPECT_NE(header(h, "Content-Security-Policy")->find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_TRUE(header(h, "Strict-Transport-Security").has_value());
  EXPECT_FALSE(header(security_headers(false), "Strict-Transport-Security").has_value());  // not over plaintext
  EXPECT_EQ(header(security_headers(true, true), "Cache-Control"), "public, max-age=300");
}

const CorsPolicy kPolicy{.origin = "https://app.example.com"};

TEST(Cors, PreflightAllowsOnlyTheOneOriginMethodsAndHeaders) {
  auto ok = preflight(kPolicy, "https://app.example.com", "POST", "Content-Type, Authorization");
  EXPECT_TRUE(ok.allowed);
  EXPECT_EQ(header(ok.headers, "Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_FALSE(header(ok.headers, "Access-Control-Allow-Credentials").has_value());
  for (std::string_view origin : {"https://app.example.com.evil.com", "http://app.example.com",
                                  "https://app.example.com:444", "https://APP.example.com", "null", "",
                                  "https://app.example.com/"}) {
    EXPECT_FALSE(preflight(kPolicy, origin, "POST", "content-type").allowed) << origin;
  }
  EXPECT_FALSE(preflight(kPolicy, "https://app.example.com", "TRACE", "").allowed);
  EXPECT_FALSE(preflight(kPolicy, "https://app.example.com", "POST", "content-type, x-evil").allowed);
  EXPECT_FALSE(preflight(CorsPolicy{}, "https://app.example.com", "GET", "").allowed);  // none configured
  EXPECT_TRUE(is_preflight("OPTIONS", "https://a", "POST"));
  EXPECT_FALSE(is_preflight("OPTIONS", std::nullopt, "POST"));
  EXPECT_FALSE(is_preflight("GET", "https://a", "POST"));
}

TEST(Cors, ActualResponsesNameTheOriginOnlyWhenItMatches) {
  EXPECT_EQ(header(cors_response_headers(kPolicy, "https://app.example.com"), "Access-Control-Allow-Origin"),
            "https://app.example.com");
  EXPECT_FALSE(header(cors_response_headers(kPolicy, "https://evil.example.com"), "Access-Control-Allow-Origin"));
  EXPECT_FALSE(header(cors_response_headers(kPolicy, std::nullopt), "Access-Control-Allow-Origin"));
  EXPECT_EQ(header(cors_response_headers(kPolicy, std::nullopt), "Vary"), "Origin");  // caches keep them apart
}

TEST(Allowlists, OriginIsExact) {
  const std::vector<std::string> allowed{"https://app.example.com"};
  EXPECT_TRUE(origin_allowed("https://app.example.com", allowed, false));
  EXPECT_FALSE(origin_allowed("https://app.example.com.evil.com", allowed, false));
  EXPECT_FALSE(origin_allowed("null", allowed, true));
  EXPECT_FALSE(origin_allowed(std::nullopt, allowed, false));
  EXPECT_TRUE(origin_allowed(std::nullopt, allowed, true));  // a terminal client sends none
}

TEST(Allowlists, HostMatchesNameAndOptionalPort) {
  const std::vector<std::string> allowed{"relay.example.com", "[::1]:8443", "localhost:9000"};
  EXPECT_TRUE(host_allowed("relay.example.com", allowed));
  EXPECT_TRUE(host_allowed("RELAY.example.com:443", allowed));  // any port when none is pinned
  EXPECT_TRUE(host_allowed("[::1]:8443", allowed));
  EXPECT_FALSE(host_allowed("[::1]:8444", allowed));
  EXPECT_TRUE(host_allowed("localhost:9000", allowed));
  EXPECT_FALSE(host_allowed("localhost:9001", allowed));
  EXPECT_FALSE(host_allowed("localhost", allowed));
  for (std::string_view bad : {"", "relay.example.com.evil.com", "evil.com@relay.example.com", "relay.example.com:",
                               "relay.example.com:x", "relay.example.com/x", "relay.example.com\r\nX: y", "[::1",
                               ":443"}) {
    EXPECT_FALSE(host_allowed(bad, allowed)) << bad;
  }
}

}  // namespace
}  // namespace bw::http
