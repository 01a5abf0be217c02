// AuthApi: the public JSON API of breakwater-auth (docs/protocol.md, "Auth API"). One
// handler per endpoint, plain functions of an http::Request over injected ports (Store,
// LoginLockout, Revocations, clock), so the whole API runs in-process under test; main.cpp
// only wires it to bw::http's server. The handlers live in modules (sessions.cpp,
// account.cpp, …) that register their routes on a Router over the shared ApiCore
// (core.hpp: authentication, role checks, sessions, audit).
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
#include <utility>
#include <vector>

#include "api/live_key_set.hpp"
#include "api/audit_reader.hpp"
#include "api/lockout.hpp"
#include "api/revocations.hpp"
#include "bw/authcore/sealed_secret.hpp"
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
  LiveKeySet keys;                               // current key signs; all verify; reloaded while serving
  std::function<std::int64_t()> now_ms;          // Unix milliseconds
  std::shared_ptr<Revocations> revocations;      // null: epochs are not published (tests only)
  std::shared_ptr<const authcore::KeyRing> kek;  // seals TOTP secrets
  std::shared_ptr<AuditReader> audit;            // null: the /v1/audit routes answer 503
};

class ApiCore;
class Router;

class AuthApi {
 public:
  AuthApi(ApiOptions options, ApiDeps deps, metrics::Factory& metrics);
  ~AuthApi();
  // Routes one request; never throws on bad input.
  http::Response handle(const http::Request& request);
  // Every (method, pattern) served.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  std::unique_ptr<ApiCore> core_;
  std::unique_ptr<Router> router_;
  metrics::Family<prometheus::Counter> responses_;
};

}  // namespace bw::auth::api
