// ApiCore (core.hpp).
#include "api/core.hpp"

#include <algorithm>

#include "api/api_support.hpp"
#include "api/revocations.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/jwt/jwt.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

int role_rank(store::Role role) {
  switch (role) {
    case store::Role::kOwner: return 3;
    case store::Role::kAdmin: return 2;
    case store::Role::kMember: return 1;
    case store::Role::kViewer: return 0;
  }
  return -1;
}

}  // namespace

std::string join_methods(const std::vector<std::string>& methods) {
  std::string out;
  for (const auto& m : methods) out += (out.empty() ? "" : " ") + m;
  return out;
}

std::vector<std::string> split_methods(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto space = text.find(' ');
    if (space != 0) out.emplace_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return out;
}

bool role_at_least(store::Role have, store::Role need) { return role_rank(have) >= role_rank(need); }

bool Caller::mfa() const {
  return std::any_of(auth_methods.begin(), auth_methods.end(), [](const auto& m) { return m == "otp" || m == "rec"; });
}

ApiCore::ApiCore(ApiOptions options, ApiDeps deps, metrics::Factory& metrics)
    : options_(std::move(options)),
      deps_(std::move(deps)),
      metrics_(metrics),
      token_checks_(metrics.counter("access_token_checks", "access tokens presented to the public API, by result")),
      device_checks_(metrics.counter("device_token_checks", "device tokens presented to the public API, by result")),
      audit_drops_(metrics.counter("audit_events_dropped", "audit events not queued (outbox full or store error), by kind")),
      revocations_(metrics.counter("revocation_publishes", "revocation epochs published to Redis, by result")) {}

std::variant<Caller, http::Response> ApiCore::authenticate(const http::Request& request,
                                                           const AuthOptions& options) const {
  const auto refuse = [&](std::string_view result, std::string_view description) {
    token_checks_.add({{"result", std::string(result)}}).Increment();
    auto r = error(401, "invalid_token", "the access token is missing, malformed, expired or not valid here");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"breakwater\", error=\"invalid_token\", error_description=\"" +
                                                   std::string(description) + "\"");
    return r;
  };
  const auto header = request.header("authorization");
  constexpr std::string_view kBearer = "bearer ";
  if (!header || header->size() <= kBearer.size() || detail::lower_ascii(header->substr(0, kBearer.size())) != kBearer) {
    return refuse("missing", "missing bearer token");
  }
  const std::string_view token = header->substr(kBearer.size());
  jwt::VerifyOptions vo{options_.issuer, options_.audience, jwt::TokenKind::kAccess, jwt::kDefaultLeeway};
  auto claims = jwt::verify(*deps_.keys.current(), token, vo, now() / 1000);
  if (!claims) return refuse(jwt::errc_name(static_cast<jwt::Errc>(claims.error().code)), "token refused");
  const auto tenant_id = detail::parse_id(claims->tenant);
  const auto user_id = detail::parse_id(claims->subject);
  const auto session_id = claims->session ? detail::parse_id(*claims->session) : std::nullopt;
  if (!tenant_id || !user_id || !session_id || !claims->revocation_epoch) return refuse("invalid_claim", "token refused");
  auto tenant = deps_.store->get_tenant(*tenant_id);
  auto user = tenant ? deps_.store->get_user(*tenant_id, *user_id) : Result<store::User>(tenant.error());
  if (!user) {
    if (store::has_code(user.error(), store::Errc::kNotFound)) return refuse("unknown_user", "token refused");
    return detail::unavailable();
  }
  if (user->disabled_at) return refuse("disabled_user", "token refused");
  if (*claims->revocation_epoch != user->revoke_epoch) return refuse("revoked", "token revoked");
  auto family = deps_.store->get_refresh_family(*tenant_id, *session_id);
  if (!family) {
    if (store::has_code(family.error(), store::Errc::kNotFound)) return refuse("unknown_session", "token refused");
    return detail::unavailable();
  }
  if (family->user_id != *user_id || family->revoked_at || family->absolute_expires_at <= now()) {
    return refuse("session_ended", "session ended");
  }
  Caller caller{std::move(tenant.value()), std::move(user.value()), *session_id, std::move(claims->auth_methods)};
  if (caller.tenant.mfa_required && !caller.mfa() && !options.mfa_exempt) {
    token_checks_.add({{"result", "mfa_required"}}).Increment();
    return error(403, "mfa_required", "this tenant requires two-factor authentication: enrol TOTP and sign in again");
  }
  if (!role_at_least(caller.user.role, options.min_role)) {
    token_checks_.add({{"result", "forbidden"}}).Increment();
    return error(403, "forbidden", "your role does not allow this");
  }
  token_checks_.add({{"result", "ok"}}).Increment();
  return caller;
}

void ApiCore::add_authed(Router& router, std::string method, std::string pattern, AuthOptions options,
                         AuthedHandler handler) const {
  router.add(std::move(method), std::move(pattern),
             [this, options, handler = std::move(handler)](const http::Request& request, const PathParams& params) {
               auto caller = authenticate(request, options);
               if (auto* refused = std::get_if<http::Response>(&caller)) return std::move(*refused);
               return handler(request, std::get<Caller>(caller), params);
             });
}

std::variant<DeviceCaller, http::Response> ApiCore::authenticate_device(const http::Request& request,
                                                                        store::Role min_role) const {
  const auto refuse = [&](std::string_view result) {
    device_checks_.add({{"result", std::string(result)}}).Increment();
    auto r = error(401, "invalid_token", "the device token is missing, malformed, revoked or not valid here");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"breakwater\", error=\"invalid_token\"");
    return r;
  };
  const auto header = request.header("authorization");
  constexpr std::string_view kBearer = "bearer ";
  if (!header || header->size() <= kBearer.size() || detail::lower_ascii(header->substr(0, kBearer.size())) != kBearer) {
    return refuse("missing");
  }
  const std::string_view token = header->substr(kBearer.size());
  if (authcore::parse_token(token) != authcore::TokenKind::kDevice) return refuse("malformed");
  const auto hash = authcore::token_hash(token);
  auto owner = deps_.store->find_device_token(hash);
  if (!owner) {
    if (store::has_code(owner.error(), store::Errc::kNotFound)) return refuse("unknown");
    return detail::unavailable();
  }
  auto tenant = deps_.store->get_tenant(owner->tenant_id);
  auto user = tenant ? deps_.store->get_user(owner->tenant_id, owner->user_id) : Result<store::User>(tenant.error());
  if (!user) {
    if (store::has_code(user.error(), store::Errc::kNotFound)) return refuse("unknown");
    return detail::unavailable();
  }
  if (user->disabled_at) return refuse("disabled_user");
  if (!role_at_least(user->role, min_role)) {
    device_checks_.add({{"result", "forbidden"}}).Increment();
    return error(403, "forbidden", "your role does not allow this");
  }
  device_checks_.add({{"result", "ok"}}).Increment();
  return DeviceCaller{std::move(tenant.value()), std::move(user.value()), owner->device_id, owner->kind};
}

void ApiCore::add_device_authed(Router& router, std::string method, std::string pattern, store::Role min_role,
                                DeviceHandler handler) const {
  router.add(std::move(method), std::move(pattern),
             [this, min_role, handler = std::move(handler)](const http::Request& request, const PathParams& params) {
               auto caller = authenticate_device(request, min_role);
               if (auto* refused = std::get_if<http::Response>(&caller)) return std::move(*refused);
               return handler(request, std::get<DeviceCaller>(caller), params);
             });
}

std::optional<http::Response> ApiCore::check_password(const Caller& caller, const http::Request& request,
                                                      std::string_view password,
                                                      const std::function<void(const char*)>& count,
                                                      bool keep_count) const {
  const std::string account = detail::account_subject(caller.tenant.slug, caller.user.login);
  auto attempt = deps_.lockout->record_attempt(account, request.peer);
  if (!attempt) return count("lockout_unavailable"), detail::unavailable();
  if (!attempt->allowed) return count("locked"), detail::locked(attempt->retry_after);
  if (!deps_.hasher->verify(caller.user.password_phc, password)) {
    if (auto st = deps_.lockout->record_address_failure(request.peer); !st) {
      log::warn("lockout_record_failed", {{"error", st.error().message}});
    }
    return count("wrong_password"), error(403, "wrong_password", "password: not correct");
  }
  if (!keep_count) (void)deps_.lockout->clear_account(account);
  return std::nullopt;
}

http::Response ApiCore::start_session(const store::User& user, const std::vector<std::string>& auth_methods) const {
  const auto t = now();
  store::RefreshFamily family;
  family.tenant_id = user.tenant_id;
  family.id = detail::new_id();
  family.user_id = user.id;
  family.created_at = t;
  family.absolute_expires_at = t + options_.session_lifetime.count();
  family.auth_methods = join_methods(auth_methods);
  const std::string token = authcore::generate_token(authcore::TokenKind::kRefresh);
  const auto hash = authcore::token_hash(token);
  store::NewRefreshToken first{Bytes(hash.begin(), hash.end()), t, t + options_.refresh_idle.count()};
  if (auto st = deps_.store->create_refresh_family(family, first); !st) return detail::unavailable();
  return token_response(user, family.id, auth_methods, token);
}

http::Response ApiCore::token_response(const store::User& user, const store::Id& family_id,
                                       const std::vector<std::string>& auth_methods,
                                       const std::string& refresh_token) const {
  const std::int64_t now_s = now() / 1000;
  jwt::Claims c;
  c.issuer = options_.issuer;
  c.audience = {options_.audience};
  c.subject = detail::id_hex(user.id);
  c.tenant = detail::id_hex(user.tenant_id);
  c.role = std::string(store::role_name(user.role));
  c.session = detail::id_hex(family_id);
  c.token_id = crypto::hex_encode(crypto::random(16));
  c.issued_at = now_s;
  c.expires_at = now_s + jwt::kMaxAccessLifetime.count();
  c.revocation_epoch = user.revoke_epoch;
  c.auth_methods = auth_methods;
  auto access = jwt::sign(*deps_.keys->signing_key(), c, jwt::TokenKind::kAccess);
  if (!access) return error(500, "internal", "internal error");
  json::Writer w;
  w.begin_object()
      .field("access_token", *access)
      .field("token_type", "Bearer")
      .field("expires_in", static_cast<std::int64_t>(jwt::kMaxAccessLifetime.count()))
      .field("refresh_token", refresh_token)
      .end_object();
  return detail::json(200, w.take());  // not cacheable: Cache-Control: no-store
}

void ApiCore::audit(const store::Id& tenant_id, std::string_view kind, std::string payload_json) const {
  auto appended = deps_.store->append_audit_event(tenant_id, kind, as_bytes(payload_json), now(), kMaxQueuedAuditEvents);
  if (!appended || !*appended) audit_drops_.add({{"kind", std::string(kind)}}).Increment();
}

bool ApiCore::publish_revocation(const store::Id& tenant_id, const store::Id& user_id, std::int64_t epoch) const {
  if (!deps_.revocations) {
    revocations_.add({{"result", "not_configured"}}).Increment();
    return true;
  }
  if (auto st = deps_.revocations->publish(tenant_id, user_id, epoch); !st) {
    revocations_.add({{"result", "error"}}).Increment();
    log::warn("revocation_publish_failed", {{"user_id", detail::id_hex(user_id)}, {"error", st.error().message}});
    return false;
  }
  revocations_.add({{"result", "ok"}}).Increment();
  return true;
}

}  // namespace bw::auth::api
