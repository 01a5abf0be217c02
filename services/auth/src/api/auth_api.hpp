// AuthApi: the public JSON API of breakwater-auth (docs/protocol.md, "Auth API"). One
// handler per endpoint, plain functions of an http::Request over injected ports (Store,
// LoginLockout, clock), so the whole API runs in-process under test; main.cpp only wires
// it to bw::http's server.
//
// Guarantees:
//  - errors are JSON {"error": code, "message": text}; a message names the field at fault
//    and never echoes a password, token or other request value;
//  - sign-in: one Argon2id verification on every path a client can reach after the
//    lockout (a dummy one for unknown tenants and users), the same 401 body for every
//    credential failure, an attempt recorded in the lockout before the password is
//    verified and the verification run only when it was recorded, failing closed (503)
//    when the lockout cannot be asked;
//  - refresh tokens are opaque, stored only as hashes, rotated on every use; a reused one
//    revokes its family (the store decides atomically) and queues an audit event;
//  - every outcome moves a metric; logs carry no secret.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/lockout.hpp"
#include "bw/authcore/password_hash.hpp"
#include "bw/http/server.hpp"
#include "bw/jwt/key_set.hpp"
#include "bw/metrics/metrics.hpp"
#include "store/store.hpp"

namespace bw::auth::api {

// Events waiting in the store's audit outbox beyond which new ones are dropped (and counted).
inline constexpr std::int64_t kMaxQueuedAuditEvents = 100'000;

struct ApiOptions {
  std::string issuer;    // iss of access tokens and what /v1/me expects
  std::string audience;  // aud of access tokens and what /v1/me expects
  std::chrono::milliseconds refresh_idle{std::chrono::hours(24 * 14)};     // a refresh token unused this long dies
  std::chrono::milliseconds session_lifetime{std::chrono::hours(24 * 30)}; // absolute session (family) lifetime
};

struct ApiDeps {
  std::shared_ptr<store::Store> store;
  std::shared_ptr<LoginLockout> lockout;
  std::shared_ptr<const authcore::PasswordHasher> hasher;
  std::shared_ptr<const jwt::KeySet> keys;       // current key signs; all verify
  std::function<std::int64_t()> now_ms;          // Unix milliseconds
};

class AuthApi {
 public:
  AuthApi(ApiOptions options, ApiDeps deps, metrics::Factory& metrics);
  // Routes one request; never throws on bad input.
  http::Response handle(const http::Request& request);

 private:
  struct Metrics;
  http::Response signup(const http::Request& request);
  http::Response login(const http::Request& request);
  http::Response refresh(const http::Request& request);
  http::Response logout(const http::Request& request);
  http::Response me(const http::Request& request);
  http::Response jwks() const;
  // 200 {access_token, token_type, expires_in, refresh_token} for a user's session.
  http::Response token_response(const store::User& user, const store::Id& family_id, const std::string& refresh_token);
  std::string sign_access_token(const store::User& user, const store::Id& family_id);
  // Starts a session (refresh family) and answers with its first token pair.
  http::Response start_session(const store::User& user);
  // Queues the audit event for a reused refresh token (never blocks; a full outbox is counted).
  void audit_reuse(const store::Id& tenant_id, const store::Id& family_id, const store::Id& user_id,
                   const std::string& peer, store::TimeMs now);

  ApiOptions options_;
  ApiDeps deps_;
  std::shared_ptr<Metrics> metrics_;
};

}  // namespace bw::auth::api
