// Sign-in, refresh-token rotation and logout (auth_api.hpp).
//
// Login order, which the lockout guarantee depends on: parse → check the address and
// record the attempt for the account (fail closed; lockout.hpp) → look the account up → exactly one Argon2id
// verification (a dummy one when the tenant or user is unknown or disabled) → clear the
// account's count on success. Every credential failure answers the same 401 body.
// When the user has TOTP enabled, the second factor (a TOTP code or a recovery code) is
// checked only after the password verified, and the account's count is cleared only after
// both: a wrong or reused code answers exactly like a wrong password (mfa_codes.hpp).
#include <algorithm>
#include <optional>
#include <variant>

#include "api/api_support.hpp"
#include "api/mfa_codes.hpp"
#include "api/modules.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

http::Response invalid_credentials() {
  return error(401, "invalid_credentials", "the tenant, login or password is not correct");
}

http::Response invalid_grant() { return error(401, "invalid_grant", "the refresh token is not valid"); }

struct SessionMetrics {
  explicit SessionMetrics(metrics::Factory& f)
      : logins(f.counter("logins", "login requests by result")),
        refreshes(f.counter("refreshes", "refresh-token exchanges by result")),
        logouts(f.counter("logouts", "logout requests by result")) {}
  metrics::Family<prometheus::Counter> logins, refreshes, logouts;
};

// {tenant, refresh_token} as refresh and logout take them.
struct RefreshRequest {
  std::string slug;
  std::string token;
};

Result<RefreshRequest> parse_refresh_request(std::string_view body) {
  auto fields = json::parse_object(body);
  if (!fields) return fields.error();
  auto tenant = fields->string("tenant", 1, 63);
  if (!tenant) return tenant.error();
  auto token = fields->string("refresh_token", 1, 256);
  if (!token) return token.error();
  if (auto st = fields->finish(); !st) return st.error();
  return RefreshRequest{detail::lower_ascii(*tenant), std::move(token.value())};
}

// The login body: {tenant, login, password} and at most one of totp_code, recovery_code.
struct LoginRequest {
  std::string slug;
  std::string login;
  std::string password;
  std::optional<std::string> totp_code;
  std::optional<std::string> recovery_code;
};

Result<LoginRequest> parse_login_request(std::string_view body) {
  auto fields = json::parse_object(body);
  if (!fields) return fields.error();
  auto tenant = fields->string("tenant", 1, 63);
  if (!tenant) return tenant.error();
  auto login = fields->string("login", 1, 254);
  if (!login) return login.error();
  auto password = fields->string("password", 1, authcore::kMaxPasswordBytes);
  if (!password) return password.error();
  auto totp_code = fields->optional_string("totp_code", 1, 16);
  if (!totp_code) return totp_code.error();
  auto recovery_code = fields->optional_string("recovery_code", 1, 64);
  if (!recovery_code) return recovery_code.error();
  if (auto st = fields->finish(); !st) return st.error();
  if (*totp_code && *recovery_code) {
    return Error{static_cast<int>(json::JsonError::kOutOfRange), "totp_code, recovery_code: send at most one"};
  }
  return LoginRequest{detail::lower_ascii(*tenant), detail::lower_ascii(*login), std::move(password.value()),
                      std::move(totp_code.value()), std::move(recovery_code.value())};
}

// The second step, once the password verified: the session's amr, or the answer to send
// instead. Users without enabled TOTP get ["pwd"] (a code they send is ignored); nothing
// here runs before the password is right, so it reveals nothing to a guesser.
std::variant<std::vector<std::string>, http::Response> second_factor(const ApiCore& core, SessionMetrics& m,
                                                                     const http::Request& request,
                                                                     const store::User& user, const LoginRequest& req) {
  const auto count = [&](std::string_view result) { m.logins.add({{"result", std::string(result)}}).Increment(); };
  auto stored = core.store().get_totp_secret(user.tenant_id, user.id);
  if (!stored) {
    if (store::has_code(stored.error(), store::Errc::kNotFound)) return std::vector<std::string>{"pwd"};
    return count("unavailable"), detail::unavailable();
  }
  if (!stored->enabled) return std::vector<std::string>{"pwd"};  // an unfinished enrolment
  if (!req.totp_code && !req.recovery_code) {
    return count("mfa_required"),
           error(401, "mfa_required", "this account uses two-factor authentication: send totp_code or recovery_code");
  }
  const auto check = req.totp_code ? mfa::use_totp_code(core, user, *stored, *req.totp_code)
                                   : mfa::use_recovery_code(core, user, *req.recovery_code);
  if (check == mfa::CodeCheck::kUnavailable) return count("mfa_unavailable"), detail::unavailable();
  if (check != mfa::CodeCheck::kAccepted) {
    if (auto st = core.deps().lockout->record_address_failure(request.peer); !st) {
      log::warn("login_lockout_unavailable", {{"error", st.error().message}});
    }
    return count(mfa::check_label(check)), invalid_credentials();  // the answer of a wrong password
  }
  if (req.recovery_code) {
    json::Writer w;
    w.begin_object().field("user_id", detail::id_hex(user.id)).field("address", request.peer).end_object();
    core.audit(user.tenant_id, "mfa_recovery_code_used", w.take());
    return std::vector<std::string>{"pwd", "rec"};
  }
  return std::vector<std::string>{"pwd", "otp"};
}

// Audit events of sign-ins: who (when known — never the login typed, which may be a
// misplaced password), from where, and for a success how (amr).
void audit_login(const ApiCore& core, const store::Id& tenant_id, std::string_view kind, const store::User* user,
                 const http::Request& request, const std::vector<std::string>* methods = nullptr) {
  json::Writer w;
  w.begin_object();
  if (user) {
    w.field("user_id", detail::id_hex(user->id));
  } else {
    w.key("user_id").null();
  }
  w.field("address", request.peer);
  if (methods) w.field("amr", join_methods(*methods));
  w.end_object();
  core.audit(tenant_id, kind, w.take());
}

http::Response login(const ApiCore& core, SessionMetrics& m, const http::Request& request) {
  const auto count = [&](const char* result) { m.logins.add({{"result", result}}).Increment(); };
  auto req = parse_login_request(request.body);
  if (!req) return count("invalid"), detail::bad_request(req.error());

  const std::string account = detail::account_subject(req->slug, req->login);
  auto attempt = core.deps().lockout->record_attempt(account, request.peer);
  if (!attempt) {
    log::warn("login_lockout_unavailable", {{"error", attempt.error().message}});
    return count("lockout_unavailable"), detail::unavailable();
  }
  if (!attempt->allowed) {
    if (auto t = core.store().find_tenant_by_slug(req->slug); t) audit_login(core, t->id, "login_locked", nullptr, request);
    return count("locked"), detail::locked(attempt->retry_after);
  }

  std::optional<store::User> user;
  std::optional<store::Id> tenant_id;
  if (auto t = core.store().find_tenant_by_slug(req->slug); t) {
    tenant_id = t->id;
    if (auto u = core.store().find_user_by_login(t->id, req->login); u) {
      user = std::move(u.value());
    } else if (!store::has_code(u.error(), store::Errc::kNotFound)) {
      return count("unavailable"), detail::unavailable();
    }
  } else if (!store::has_code(t.error(), store::Errc::kNotFound)) {
    return count("unavailable"), detail::unavailable();
  }
  const bool usable = user && !user->disabled_at;
  const bool ok = usable ? core.deps().hasher->verify(user->password_phc, req->password)
                         : core.deps().hasher->verify_dummy(req->password);
  if (!ok) {
    if (auto st = core.deps().lockout->record_address_failure(request.peer); !st) {
      log::warn("login_lockout_unavailable", {{"error", st.error().message}});
    }
    count(user ? "wrong_password" : "unknown_account");  // the answer is the same for both
    if (tenant_id) audit_login(core, *tenant_id, "login_failed", user ? &*user : nullptr, request);
    return invalid_credentials();
  }
  // The account's attempt stays counted until the second factor, too, is right.
  auto methods = second_factor(core, m, request, *user, *req);
  if (auto* refused = std::get_if<http::Response>(&methods)) return std::move(*refused);
  if (auto st = core.deps().lockout->clear_account(account); !st) {
    log::warn("login_lockout_clear_failed", {{"error", st.error().message}});  // the count expires by itself
  }
  if (core.deps().hasher->needs_rehash(user->password_phc)) {
    // Only the hash changes (conditionally on the old one): sessions stay.
    if (auto phc = core.deps().hasher->hash(req->password); phc) {
      if (auto done = core.store().rehash_password(user->tenant_id, user->id, user->password_phc, *phc); done && *done) {
        log::info("password_rehashed", {{"user_id", detail::id_hex(user->id)}});
      }
    }
  }
  auto r = core.start_session(*user, std::get<std::vector<std::string>>(methods));
  count(r.status == 200 ? "ok" : "error");
  if (r.status == 200) {
    log::info("login", {{"tenant_id", detail::id_hex(user->tenant_id)}, {"user_id", detail::id_hex(user->id)}});
    audit_login(core, user->tenant_id, "login", &*user, request, &std::get<std::vector<std::string>>(methods));
  }
  return r;
}

void audit_reuse(const ApiCore& core, const store::Id& tenant_id, const store::Id& family_id, const store::Id& user_id,
                 const std::string& peer) {
  json::Writer w;
  w.begin_object()
      .field("session_id", detail::id_hex(family_id))
      .field("user_id", detail::id_hex(user_id))
      .field("address", peer)
      .end_object();
  core.audit(tenant_id, "refresh_token_reused", w.take());
}

http::Response refresh(const ApiCore& core, SessionMetrics& m, const http::Request& request) {
  const auto count = [&](const char* result) { m.refreshes.add({{"result", result}}).Increment(); };
  auto req = parse_refresh_request(request.body);
  if (!req) return count("invalid"), detail::bad_request(req.error());
  if (authcore::parse_token(req->token) != authcore::TokenKind::kRefresh) return count("malformed"), invalid_grant();
  auto tenant = core.store().find_tenant_by_slug(req->slug);
  if (!tenant) {
    if (store::has_code(tenant.error(), store::Errc::kNotFound)) return count("unknown"), invalid_grant();
    return count("unavailable"), detail::unavailable();
  }
  const auto now = core.now();
  const std::string next = authcore::generate_token(authcore::TokenKind::kRefresh);
  const auto presented = authcore::token_hash(req->token);
  const auto next_hash = authcore::token_hash(next);
  store::NewRefreshToken successor{Bytes(next_hash.begin(), next_hash.end()), now, now + core.options().refresh_idle.count()};
  auto rotated = core.store().rotate_refresh_token(tenant->id, presented, successor, now);
  if (!rotated) {
    if (store::has_code(rotated.error(), store::Errc::kNotFound)) return count("unknown"), invalid_grant();
    return count("unavailable"), detail::unavailable();
  }
  switch (rotated->outcome) {
    case store::RotateOutcome::kRotated: break;
    case store::RotateOutcome::kReused:
      log::warn("refresh_token_reused", {{"tenant_id", detail::id_hex(tenant->id)},
                                         {"session_id", detail::id_hex(rotated->family_id)}});
      audit_reuse(core, tenant->id, rotated->family_id, rotated->user_id, request.peer);
      return count("reused"), invalid_grant();
    case store::RotateOutcome::kExpired: return count("expired"), invalid_grant();
    case store::RotateOutcome::kRevoked: return count("revoked"), invalid_grant();
  }
  auto user = core.store().get_user(tenant->id, rotated->user_id);
  if (!user || user->disabled_at) {
    (void)core.store().revoke_refresh_family(tenant->id, rotated->family_id, now, "user_gone");
    return count(user ? "disabled" : "unknown"), invalid_grant();
  }
  auto family = core.store().get_refresh_family(tenant->id, rotated->family_id);
  if (!family) return count("unavailable"), detail::unavailable();
  count("ok");
  return core.token_response(*user, rotated->family_id, split_methods(family->auth_methods), next);
}

http::Response logout(const ApiCore& core, SessionMetrics& m, const http::Request& request) {
  const auto count = [&](const char* result) { m.logouts.add({{"result", result}}).Increment(); };
  auto req = parse_refresh_request(request.body);
  if (!req) return count("invalid"), detail::bad_request(req.error());
  http::Response done;
  done.status = 204;
  done.content_type.clear();
  // The same 204 whether or not the token was live: logout reveals nothing.
  if (authcore::parse_token(req->token) != authcore::TokenKind::kRefresh) return count("unknown"), done;
  auto tenant = core.store().find_tenant_by_slug(req->slug);
  if (!tenant) return count(store::has_code(tenant.error(), store::Errc::kNotFound) ? "unknown" : "unavailable"), done;
  // The store finds a family only through rotation; rotate into a successor nobody holds,
  // then revoke the family.
  const auto now = core.now();
  const auto dead = authcore::token_hash(authcore::generate_token(authcore::TokenKind::kRefresh));
  const auto presented = authcore::token_hash(req->token);
  auto rotated = core.store().rotate_refresh_token(tenant->id, presented, {Bytes(dead.begin(), dead.end()), now, now}, now);
  if (!rotated) {
    if (!store::has_code(rotated.error(), store::Errc::kNotFound)) return count("unavailable"), detail::unavailable();
    return count("unknown"), done;
  }
  if (rotated->outcome == store::RotateOutcome::kReused) {
    // A rotated (stolen or replayed) token presented to logout: the store revoked the
    // family for reuse; it is audited exactly as on refresh.
    log::warn("refresh_token_reused", {{"tenant_id", detail::id_hex(tenant->id)},
                                       {"session_id", detail::id_hex(rotated->family_id)}});
    audit_reuse(core, tenant->id, rotated->family_id, rotated->user_id, request.peer);
    return count("reused"), done;
  }
  if (auto st = core.store().revoke_refresh_family(tenant->id, rotated->family_id, now, "logout"); !st) {
    return count("unavailable"), detail::unavailable();
  }
  count("ok");
  return done;
}

}  // namespace

void add_session_routes(Router& router, const ApiCore& core) {
  auto m = std::make_shared<SessionMetrics>(core.metrics());
  router.add("POST", "/v1/login", [&core, m](const http::Request& r, const PathParams&) { return login(core, *m, r); });
  router.add("POST", "/v1/token/refresh",
             [&core, m](const http::Request& r, const PathParams&) { return refresh(core, *m, r); });
  router.add("POST", "/v1/logout", [&core, m](const http::Request& r, const PathParams&) { return logout(core, *m, r); });
}

}  // namespace bw::auth::api
