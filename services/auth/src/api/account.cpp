// Account routes (modules.hpp): sign-up, the current user, password change, "sign out
// everywhere" and the public key set.
//
// Password change and sign out everywhere raise the user's revocation epoch in the store
// (every refresh family revoked in the same transaction) and publish it (revocations.hpp),
// so every access token issued before dies at once wherever it is checked. The answer says
// whether the publication reached Redis ("immediate"); when it did not, services that do
// not read the auth database may accept older access tokens until they expire (≤ 5 min).
#include <memory>

#include "api/api_support.hpp"
#include "api/modules.hpp"
#include "bw/authcore/password_policy.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

struct AccountMetrics {
  explicit AccountMetrics(metrics::Factory& f)
      : signups(f.counter("signups", "sign-up requests by result")),
        password_changes(f.counter("password_changes", "password changes by result")),
        sign_outs(f.counter("sign_out_everywhere", "sign-out-everywhere requests by result")) {}
  metrics::Family<prometheus::Counter> signups, password_changes, sign_outs;
};

http::Response signup(const ApiCore& core, AccountMetrics& m, const http::Request& request) {
  const auto count = [&](const char* result) { m.signups.add({{"result", result}}).Increment(); };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto tenant = fields->string("tenant", 1, 63);
  auto login = fields->string("login", 1, 64);
  auto email = fields->string("email", 1, 254);
  auto password = fields->string("password", 1, authcore::kMaxPasswordBytes);
  for (const Error* e : {tenant ? nullptr : &tenant.error(), login ? nullptr : &login.error(),
                         email ? nullptr : &email.error(), password ? nullptr : &password.error()}) {
    if (e) return count("invalid"), detail::bad_request(*e);
  }
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  const std::string slug = detail::lower_ascii(*tenant);
  const std::string user_login = detail::lower_ascii(*login);
  const std::string user_email = detail::lower_ascii(*email);
  if (!detail::valid_slug(slug)) {
    return count("invalid"), error(400, "invalid_request", "tenant: 3 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-'");
  }
  if (!detail::valid_login(user_login)) {
    return count("invalid"), error(400, "invalid_request", "login: 1 to 64 characters of a-z, 0-9 and . _ @ + -");
  }
  if (!detail::valid_email(user_email)) return count("invalid"), error(400, "invalid_request", "email: not an e-mail address");
  if (auto st = authcore::check_new_password(*password, {user_login, user_email}); !st) {
    return count("weak_password"), error(400, "weak_password", "password: " + st.error().message);
  }
  auto phc = core.deps().hasher->hash(*password);
  if (!phc) return count("error"), error(500, "internal", "internal error");
  const auto now = core.now();
  store::Tenant t{detail::new_id(), slug, slug, false, now};
  store::User owner;
  owner.tenant_id = t.id;
  owner.id = detail::new_id();
  owner.login = user_login;
  owner.email = user_email;
  owner.role = store::Role::kOwner;
  owner.password_phc = std::move(phc.value());
  owner.created_at = now;
  if (auto st = core.store().create_tenant_with_owner(t, owner); !st) {
    if (store::has_code(st.error(), store::Errc::kConflict)) {
      return count("conflict"), error(409, "conflict", "this sign-up cannot be completed; choose another tenant name");
    }
    log::warn("signup_store_error", {{"error", st.error().message}});
    return count("unavailable"), detail::unavailable();
  }
  count("created");
  log::info("signup", {{"tenant_id", detail::id_hex(t.id)}, {"user_id", detail::id_hex(owner.id)}});
  json::Writer audit;
  audit.begin_object().field("user_id", detail::id_hex(owner.id)).field("address", request.peer).end_object();
  core.audit(t.id, "tenant_created", audit.take());
  json::Writer w;
  w.begin_object().field("tenant_id", detail::id_hex(t.id)).field("user_id", detail::id_hex(owner.id)).end_object();
  return detail::json(201, w.take());
}

http::Response me(const Caller& caller) {
  json::Writer w;
  w.begin_object()
      .field("tenant_id", detail::id_hex(caller.tenant.id))
      .field("tenant", caller.tenant.slug)
      .field("user_id", detail::id_hex(caller.user.id))
      .field("role", store::role_name(caller.user.role))
      .field("login", caller.user.login)
      .field("email", caller.user.email)
      .field("mfa", caller.mfa())
      .field("tenant_mfa_required", caller.tenant.mfa_required)
      .end_object();
  return detail::json(200, w.take());
}

// The answer after the epoch rose: {revoke_epoch, immediate}.
http::Response revoked(std::int64_t epoch, bool immediate) {
  json::Writer w;
  w.begin_object().field("revoke_epoch", epoch).field("immediate", immediate).end_object();
  return detail::json(200, w.take());
}

http::Response change_password(const ApiCore& core, AccountMetrics& m, const http::Request& request,
                               const Caller& caller) {
  const auto count = [&](const char* result) { m.password_changes.add({{"result", result}}).Increment(); };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto current = fields->string("current_password", 1, authcore::kMaxPasswordBytes);
  if (!current) return count("invalid"), detail::bad_request(current.error());
  auto next = fields->string("new_password", 1, authcore::kMaxPasswordBytes);
  if (!next) return count("invalid"), detail::bad_request(next.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  // The current password is a credential guess like a login: counted in the same lockout,
  // so a stolen access token cannot be used to guess it without limit.
  if (auto refused = core.check_password(caller, request, *current, count)) return std::move(*refused);
  if (auto st = authcore::check_new_password(*next, {caller.user.login, caller.user.email}); !st) {
    return count("weak_password"), error(400, "weak_password", "new_password: " + st.error().message);
  }
  auto phc = core.deps().hasher->hash(*next);
  if (!phc) return count("error"), error(500, "internal", "internal error");
  auto epoch = core.store().update_password(caller.tenant.id, caller.user.id, *phc, core.now());
  if (!epoch) return count("unavailable"), detail::unavailable();
  const bool immediate = core.publish_revocation(caller.tenant.id, caller.user.id, *epoch);
  json::Writer audit;
  audit.begin_object().field("user_id", detail::id_hex(caller.user.id)).field("address", request.peer).end_object();
  core.audit(caller.tenant.id, "password_changed", audit.take());
  log::info("password_changed", {{"user_id", detail::id_hex(caller.user.id)}});
  count("ok");
  return revoked(*epoch, immediate);
}

http::Response sign_out_everywhere(const ApiCore& core, AccountMetrics& m, const http::Request& request,
                                   const Caller& caller) {
  const auto count = [&](const char* result) { m.sign_outs.add({{"result", result}}).Increment(); };
  if (!request.body.empty()) {
    auto fields = json::parse_object(request.body);
    if (!fields) return count("invalid"), detail::bad_request(fields.error());
    if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  }
  auto epoch = core.store().bump_revoke_epoch(caller.tenant.id, caller.user.id, core.now());
  if (!epoch) return count("unavailable"), detail::unavailable();
  const bool immediate = core.publish_revocation(caller.tenant.id, caller.user.id, *epoch);
  json::Writer audit;
  audit.begin_object().field("user_id", detail::id_hex(caller.user.id)).field("address", request.peer).end_object();
  core.audit(caller.tenant.id, "signed_out_everywhere", audit.take());
  count("ok");
  return revoked(*epoch, immediate);
}

}  // namespace

void add_account_routes(Router& router, const ApiCore& core) {
  auto m = std::make_shared<AccountMetrics>(core.metrics());
  router.add("POST", "/v1/signup", [&core, m](const http::Request& r, const PathParams&) { return signup(core, *m, r); });
  core.add_authed(router, "GET", "/v1/me", {.mfa_exempt = true},
                  [](const http::Request&, const Caller& c, const PathParams&) { return me(c); });
  core.add_authed(router, "POST", "/v1/me/password", {},
                  [&core, m](const http::Request& r, const Caller& c, const PathParams&) {
                    return change_password(core, *m, r, c);
                  });
  core.add_authed(router, "POST", "/v1/me/sign-out-everywhere", {.mfa_exempt = true},
                  [&core, m](const http::Request& r, const Caller& c, const PathParams&) {
                    return sign_out_everywhere(core, *m, r, c);
                  });
  router.add("GET", "/.well-known/jwks.json", [&core](const http::Request&, const PathParams&) {
    auto r = detail::json(200, core.deps().keys->to_jwks());
    r.content_type = "application/jwk-set+json";
    r.cacheable = true;
    return r;
  });
}

}  // namespace bw::auth::api
