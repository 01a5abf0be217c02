// ApiCore: what every handler module of the public API shares — options, ports, the shared
// metrics, and the steps several endpoints take: authenticating the caller, role checks,
// starting a session, issuing tokens and queueing audit events.
//
// Authentication (authenticate()) accepts a request only if all hold:
//  - "Authorization: Bearer <access token>" verifies (EdDSA, kid in the key set, issuer,
//    audience, lifetime; bw::jwt);
//  - the tenant and user exist, the user is enabled, and the token's revocation epoch
//    (rev) is the user's current one: a password change, "sign out everywhere", a
//    disable or an operator reset kills every access token issued before it, at once;
//  - the session (sid) is live: logout and family revocation end its access tokens too;
//  - when the tenant requires MFA, the token's amr holds "otp" or "rec", unless the
//    route is one a user needs to enrol (mfa_exempt).
// The role used for checks is the user's current role in the store, never the token's.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/auth_api.hpp"
#include "api/router.hpp"
#include "bw/json/writer.hpp"

namespace bw::auth::api {

struct Caller {
  store::Tenant tenant;
  store::User user;
  store::Id session_id{};
  std::vector<std::string> auth_methods;  // amr of the access token
  bool mfa() const;                        // amr holds "otp" or "rec"
};

// An agent or client device authenticated by its device token.
struct DeviceCaller {
  store::Tenant tenant;
  store::User user;  // the device's owner; enabled
  store::Id device_id{};
  store::DeviceKind kind = store::DeviceKind::kAgent;
};

// A session's amr values as the store keeps them: space-separated.
std::string join_methods(const std::vector<std::string>& methods);
std::vector<std::string> split_methods(std::string_view text);

// Owner > admin > member > viewer.
bool role_at_least(store::Role have, store::Role need);

struct AuthOptions {
  store::Role min_role = store::Role::kViewer;
  bool mfa_exempt = false;  // usable before a required MFA enrolment (e.g. enrol, me, logout)
};

class ApiCore {
 public:
  ApiCore(ApiOptions options, ApiDeps deps, metrics::Factory& metrics);

  const ApiOptions& options() const { return options_; }
  const ApiDeps& deps() const { return deps_; }
  store::Store& store() const { return *deps_.store; }
  store::TimeMs now() const { return deps_.now_ms(); }
  metrics::Factory& metrics() const { return metrics_; }

  // The caller, or the response to send instead (401 invalid_token with WWW-Authenticate,
  // 403 mfa_required / forbidden, 503). Counted in access_token_checks by result.
  std::variant<Caller, http::Response> authenticate(const http::Request& request, const AuthOptions& options) const;

  // A route behind authenticate(): the handler runs only for an accepted caller.
  using AuthedHandler = std::function<http::Response(const http::Request&, const Caller&, const PathParams&)>;
  void add_authed(Router& router, std::string method, std::string pattern, AuthOptions options,
                  AuthedHandler handler) const;

  // The device, for "Authorization: Bearer bwdt_…" (a device token; authcore/tokens.hpp):
  // the token must be live, its device not revoked and its user enabled (Store::
  // find_device_token), and the user's role at least min_role. Otherwise the response to
  // send (401 invalid_token, 403 forbidden, 503). Counted in device_token_checks by result.
  std::variant<DeviceCaller, http::Response> authenticate_device(const http::Request& request,
                                                                 store::Role min_role = store::Role::kViewer) const;
  using DeviceHandler = std::function<http::Response(const http::Request&, const DeviceCaller&, const PathParams&)>;
  void add_device_authed(Router& router, std::string method, std::string pattern, store::Role min_role,
                         DeviceHandler handler) const;

  // Re-checks the caller's password for a sensitive step (password change, MFA enrolment
  // and removal) as one attempt in the login lockout, so a stolen access token cannot be
  // used to guess it: nullopt when it is right (the account's count is cleared unless
  // keep_count), else the response to send — 429 locked, 503 when the lockout cannot be
  // asked, 403 wrong_password (counted as a failure of the source address). `count` gets
  // the outcome's metric label.
  std::optional<http::Response> check_password(const Caller& caller, const http::Request& request,
                                               std::string_view password,
                                               const std::function<void(const char*)>& count,
                                               bool keep_count = false) const;

  // Starts a session (refresh family) for the user and answers 200 with its first token
  // pair; auth_methods go into every access token of the session.
  http::Response start_session(const store::User& user, const std::vector<std::string>& auth_methods) const;
  // 200 {access_token, token_type, expires_in, refresh_token}; never cacheable.
  http::Response token_response(const store::User& user, const store::Id& family_id,
                                const std::vector<std::string>& auth_methods, const std::string& refresh_token) const;

  // Queues an audit event (kind: a stable snake_case name; payload: a JSON object without
  // secrets) in the store's bounded outbox; never blocks, a drop is counted.
  void audit(const store::Id& tenant_id, std::string_view kind, std::string payload_json) const;

  // Publishes the user's new revocation epoch to the shared revocation store (Redis) so
  // every service refuses older tokens at once. False (logged, counted) when it could not.
  bool publish_revocation(const store::Id& tenant_id, const store::Id& user_id, std::int64_t epoch) const;

 private:
  ApiOptions options_;
  ApiDeps deps_;
  metrics::Factory& metrics_;
  metrics::Family<prometheus::Counter> token_checks_, device_checks_, audit_drops_, revocations_;
};

}  // namespace bw::auth::api
