// Verifies the device assertions clients send at the start of each epoch (DESIGN §2, §3;
// inbox.hpp), with auth's key set fetched by the agent itself over TLS from the auth service
// it signed in to (GET /.well-known/jwks.json, verified with the identity's CA) — never from
// the relay. The set is fetched on first use and again when a token names an unknown kid
// (auth rotated its key), at most once per kRefetchInterval, so a stream of forged kids
// costs auth one request per interval.
//
// An assertion is accepted only as jwt::verify() accepts a kDeviceAssertion (EdDSA, kid in
// the set, signature, lifetime ≤ 10 min, iss = the expected issuer, aud contains the
// audience, exp and nbf at now with 30 s leeway); then tid, sub and dev must be 32 hex
// digits, role one of owner/admin/member/viewer and cnf present. Errors name the jwt
// refusal ("expired", "bad_signature", …) and never echo the token.
// Thread-safety: none; one thread (the agent's delivery loop) uses a checker.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "inbox.hpp"

namespace bw::http {
class Client;
}

namespace bw::agent {

class AssertionChecker {
 public:
  static constexpr std::chrono::seconds kRefetchInterval{30};

  // `auth` talks to the auth service the agent signed in to; `issuer` is its `iss`.
  AssertionChecker(std::unique_ptr<http::Client> auth, std::string issuer, std::string audience);
  ~AssertionChecker();

  Result<AssertedDevice> verify(std::string_view token, std::int64_t now_ms);

  // Key-set fetches so far, successful or not (for the run loop's counters and tests).
  std::uint64_t fetches() const { return fetches_; }

 private:
  Status refetch(std::chrono::steady_clock::time_point now);
  struct Keys;
  std::unique_ptr<http::Client> auth_;
  std::string issuer_, audience_;
  std::unique_ptr<Keys> keys_;
  std::optional<std::chrono::steady_clock::time_point> last_fetch_;
  std::uint64_t fetches_ = 0;
};

}  // namespace bw::agent
