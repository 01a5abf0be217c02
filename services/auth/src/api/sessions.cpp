// Sign-in, refresh-token rotation and logout (auth_api.hpp).
//
// Login order, which the lockout guarantee depends on: parse → check the address and
// record the attempt for the account (fail closed; lockout.hpp) → look the account up → exactly one Argon2id
// verification (a dummy one when the tenant or user is unknown or disabled) → clear the
// account's count on success. Every credential failure answers the same 401 body.
#include <algorithm>

#include "api/api_support.hpp"
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

http::Response login(const ApiCore& core, SessionMetrics& m, const http::Request& request) {
  const auto count = [&](const char* result) { m.logins.add({{"result", result}}).Increment(); };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto tenant = fields->string("tenant", 1, 63);
  if (!tenant) return count("invalid"), detail::bad_request(tenant.error());
  auto login = fields->string("login", 1, 254);
  if (!login) return count("invalid"), detail::bad_request(login.error());
  auto password = fields->string("password", 1, authcore::kMaxPasswordBytes);
  if (!password) return count("invalid"), detail::bad_request(password.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  const std::string slug = detail::lower_ascii(*tenant);
  const std::string user_login = detail::lower_ascii(*login);

  const std::string account = detail::account_subject(slug, user_login);
  auto attempt = core.deps().lockout->record_attempt(account, request.peer);
  if (!attempt) {
    log::warn("login_lockout_unavailable", {{"error", attempt.error().message}});
    return count("lockout_unavailable"), detail::unavailable();
  }
  if (!attempt->allowed) return count("locked"), detail::locked(attempt->retry_after);

  std::optional<store::User> user;
  if (auto t = core.store().find_tenant_by_slug(slug); t) {
    if (auto u = core.store().find_user_by_login(t->id, user_login); u) {
      user = std::move(u.value());
    } else if (!store::has_code(u.error(), store::Errc::kNotFound)) {
      return count("unavailable"), detail::unavailable();
    }
  } else if (!store::has_code(t.error(), store::Errc::kNotFound)) {
    return count("unavailable"), detail::unavailable();
  }
  const bool usable = user && !user->disabled_at;
  const bool ok = usable ? core.deps().hasher->verify(user->password_phc, *password) : core.deps().hasher->verify_dummy(*password);
  if (!ok) {
    if (auto st = core.deps().lockout->record_address_failure(request.peer); !st) {
      log::warn("login_lockout_unavailable", {{"error", st.error().message}});
    }
    count(user ? "wrong_password" : "unknown_account");  // the answer is the same for both
    return invalid_credentials();
  }
  if (auto st = core.deps().lockout->clear_account(account); !st) {
    log::warn("login_lockout_clear_failed", {{"error", st.error().message}});  // the count expires by itself
  }
  if (core.deps().hasher->needs_rehash(user->password_phc)) {
    // Only the hash changes (conditionally on the old one): sessions stay.
    if (auto phc = core.deps().hasher->hash(*password); phc) {
      if (auto done = core.store().rehash_password(user->tenant_id, user->id, user->password_phc, *phc); done && *done) {
        log::info("password_rehashed", {{"user_id", detail::id_hex(user->id)}});
      }
    }
  }
  auto r = core.start_session(*user, {"pwd"});
  count(r.status == 200 ? "ok" : "error");
  if (r.status == 200) log::info("login", {{"tenant_id", detail::id_hex(user->tenant_id)}, {"user_id", detail::id_hex(user->id)}});
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
