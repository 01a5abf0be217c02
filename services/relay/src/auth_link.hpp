// AuthLink: the relay's calls to breakwater-auth's internal API (AuthInternal, mutual TLS),
// and verification of clients' access tokens with auth's key set.
//
// Every call is blocking with a deadline (auth.timeout), so it runs on the relay's I/O
// actors, never on a connection actor. Failure rules:
//  - a credential auth refuses → kAuthRefused (the connection gets UNAUTHENTICATED);
//  - auth unreachable or slow → kAuthUnavailable (the connection gets UNAVAILABLE, retryable):
//    the relay never admits anyone on a guess.
// The key set is fetched on first use and again when a token names an unknown kid (at most
// once per key_refresh_min) or when it is older than key_max_age. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "rules.hpp"

namespace grpc {
class Channel;
}

namespace bw::relay {

inline constexpr int kAuthRefused = 1;
inline constexpr int kAuthUnavailable = 2;

struct Authenticated {
  Identity identity;
  std::int64_t expires_at_ms = 0;        // the credential's end; the connection ends with it
  std::uint64_t revocation_epoch = 0;    // the user's epoch the credential was issued under
};

struct AuthLinkOptions {
  std::string issuer;                                  // access tokens' iss
  std::string audience = "breakwater";                 // access tokens' aud
  std::chrono::milliseconds timeout{2000};             // per RPC
  std::chrono::milliseconds key_refresh_min{10'000};   // unknown kid: refetch at most this often
  std::chrono::milliseconds key_max_age{300'000};      // refetch the key set at least this often
};

class AuthLink {
 public:
  AuthLink(std::shared_ptr<grpc::Channel> channel, AuthLinkOptions options);
  ~AuthLink();
  AuthLink(const AuthLink&) = delete;
  AuthLink& operator=(const AuthLink&) = delete;

  // An agent's device token (gRPC stream): only an agent device's live token passes.
  Result<Authenticated> validate_agent(const std::string& device_token);
  // A client's access token plus the client device it speaks for: the token verifies
  // (EdDSA, issuer, audience, lifetime), and the device is a client device of the token's
  // user with at least one live pairing.
  Result<Authenticated> validate_client(const std::string& access_token, const std::string& device);
  // The live (non-revoked) pairings of a device, seen from its side.
  Result<std::vector<PairingView>> pairings(const std::string& tenant, const std::string& device);
  // The user's current revocation epoch at auth.
  Result<std::uint64_t> revocation_epoch(const std::string& tenant, const std::string& user);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::relay
