// Tenant routes (modules.hpp): the tenant, its users and their roles. Invitations are in
// invitations.cpp.
//
// Guarantees:
//  - every user id is looked up inside the caller's tenant: another tenant's id answers
//    404 exactly like a missing one, and nothing changes;
//  - role changes, disables and invitations follow role_rules.hpp on the roles stored now
//    (never a token's claim); the store keeps the last enabled owner (409 last_owner);
//  - a disable ends every session in the store (epoch + 1, families revoked) and publishes
//    the new epoch, so the user's access tokens die everywhere at once; a demotion raises
//    the epoch the same way, so no access token keeps claiming the higher role.
#include <functional>
#include <memory>
#include <variant>

#include "api/api_support.hpp"
#include "api/modules.hpp"
#include "api/role_rules.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

struct TenantMetrics {
  explicit TenantMetrics(metrics::Factory& f)
      : tenant_reads(f.counter("tenant_reads", "GET /v1/tenant by result")),
        user_reads(f.counter("user_reads", "user listings and look-ups by result")),
        role_changes(f.counter("role_changes", "role changes by result")),
        user_disables(f.counter("user_disables", "user disables by result")) {}
  metrics::Family<prometheus::Counter> tenant_reads, user_reads, role_changes, user_disables;
};

using Count = std::function<void(const char*)>;

Count counter(metrics::Family<prometheus::Counter>& family) {
  return [&family](const char* result) { family.add({{"result", result}}).Increment(); };
}

http::Response not_found() { return error(404, "not_found", "no such user in this tenant"); }
http::Response forbidden() { return error(403, "forbidden", "your role does not allow this"); }

// A user as the API shows it: never the password hash or the revocation epoch.
void write_user(json::Writer& w, const store::User& u) {
  w.field("user_id", detail::id_hex(u.id))
      .field("login", u.login)
      .field("email", u.email)
      .field("role", store::role_name(u.role))
      .field("disabled", u.disabled_at.has_value())
      .field("created_at", u.created_at);
}

http::Response user_response(const store::User& u) {
  json::Writer w;
  w.begin_object();
  write_user(w, u);
  w.end_object();
  return detail::json(200, w.take());
}

// The user `id_text` of the caller's tenant, or the answer to send (404, 503).
std::variant<store::User, http::Response> load_user(const ApiCore& core, const Caller& caller,
                                                    std::string_view id_text, const Count& count) {
  const auto id = detail::parse_id(id_text);
  if (!id) return count("not_found"), not_found();
  auto user = core.store().get_user(caller.tenant.id, *id);
  if (!user) {
    if (store::has_code(user.error(), store::Errc::kNotFound)) return count("not_found"), not_found();
    return count("unavailable"), detail::unavailable();
  }
  return std::move(user.value());
}

http::Response get_tenant(TenantMetrics& m, const Caller& caller) {
  const auto& t = caller.tenant;
  json::Writer w;
  w.begin_object()
      .field("tenant_id", detail::id_hex(t.id))
      .field("slug", t.slug)
      .field("name", t.name)
      .field("mfa_required", t.mfa_required)
      .field("created_at", t.created_at)
      .end_object();
  counter(m.tenant_reads)("ok");
  return detail::json(200, w.take());
}

http::Response list_users(const ApiCore& core, TenantMetrics& m, const Caller& caller) {
  const Count count = counter(m.user_reads);
  auto users = core.store().list_users(caller.tenant.id);
  if (!users) return count("unavailable"), detail::unavailable();
  json::Writer w;
  w.begin_object().key("users").begin_array();
  for (const auto& u : *users) {
    w.begin_object();
    write_user(w, u);
    w.end_object();
  }
  w.end_array().end_object();
  count("ok");
  return detail::json(200, w.take());
}

http::Response get_user(const ApiCore& core, TenantMetrics& m, const Caller& caller, const std::string& id) {
  const Count count = counter(m.user_reads);
  if (detail::parse_id(id) == caller.user.id) return count("ok"), user_response(caller.user);
  // Another user: admins and owners only, refused before any look-up.
  if (!role_at_least(caller.user.role, store::Role::kAdmin)) return count("forbidden"), forbidden();
  auto target = load_user(core, caller, id, count);
  if (auto* r = std::get_if<http::Response>(&target)) return std::move(*r);
  count("ok");
  return user_response(std::get<store::User>(target));
}

http::Response change_role(const ApiCore& core, TenantMetrics& m, const http::Request& request, const Caller& caller,
                           const std::string& id) {
  const Count count = counter(m.role_changes);
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto role_text = fields->one_of("role", {"owner", "admin", "member", "viewer"});
  if (!role_text) return count("invalid"), detail::bad_request(role_text.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  const store::Role to = *store::parse_role(*role_text);
  auto loaded = load_user(core, caller, id, count);
  if (auto* r = std::get_if<http::Response>(&loaded)) return std::move(*r);
  store::User target = std::move(std::get<store::User>(loaded));
  const store::Role from = target.role;
  if (!may_change_role(caller.user.role, from, to, target.id == caller.user.id)) return count("forbidden"), forbidden();
  if (from == to) return count("unchanged"), user_response(target);
  if (auto st = core.store().set_user_role(caller.tenant.id, target.id, to); !st) {
    if (store::has_code(st.error(), store::Errc::kConflict)) {
      return count("last_owner"), error(409, "last_owner", "a tenant keeps at least one enabled owner");
    }
    if (store::has_code(st.error(), store::Errc::kNotFound)) return count("not_found"), not_found();
    return count("unavailable"), detail::unavailable();
  }
  target.role = to;
  json::Writer audit;
  audit.begin_object()
      .field("user_id", detail::id_hex(target.id))
      .field("from", store::role_name(from))
      .field("to", store::role_name(to))
      .field("by", detail::id_hex(caller.user.id))
      .end_object();
  core.audit(caller.tenant.id, "role_changed", audit.take());
  if (!role_at_least(to, from)) {
    // A demotion: access tokens naming the old role die at once (sessions end), so no
    // service that trusts the token's role claim keeps the higher rights for 5 minutes.
    auto epoch = core.store().bump_revoke_epoch(caller.tenant.id, target.id, core.now());
    if (!epoch || !core.publish_revocation(caller.tenant.id, target.id, *epoch)) {
      log::warn("role_change_revocation_failed", {{"user_id", detail::id_hex(target.id)}});
      return count("changed_not_revoked"), user_response(target);
    }
  }
  log::info("role_changed", {{"user_id", detail::id_hex(target.id)}, {"to", store::role_name(to)}});
  count("changed");
  return user_response(target);
}

http::Response disable_user(const ApiCore& core, TenantMetrics& m, const http::Request& request, const Caller& caller,
                            const std::string& id) {
  const Count count = counter(m.user_disables);
  if (!request.body.empty()) {
    auto fields = json::parse_object(request.body);
    if (!fields) return count("invalid"), detail::bad_request(fields.error());
    if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  }
  auto loaded = load_user(core, caller, id, count);
  if (auto* r = std::get_if<http::Response>(&loaded)) return std::move(*r);
  const store::User& target = std::get<store::User>(loaded);
  if (!may_disable(caller.user.role, target.role, target.id == caller.user.id)) return count("forbidden"), forbidden();
  if (target.disabled_at) return count("already_disabled"), user_response(target);
  if (auto st = core.store().disable_user(caller.tenant.id, target.id, core.now()); !st) {
    if (store::has_code(st.error(), store::Errc::kConflict)) {
      return count("last_owner"), error(409, "last_owner", "a tenant keeps at least one enabled owner");
    }
    if (store::has_code(st.error(), store::Errc::kNotFound)) return count("not_found"), not_found();
    return count("unavailable"), detail::unavailable();
  }
  json::Writer audit;
  audit.begin_object()
      .field("user_id", detail::id_hex(target.id))
      .field("by", detail::id_hex(caller.user.id))
      .field("address", request.peer)
      .end_object();
  core.audit(caller.tenant.id, "user_disabled", audit.take());
  log::info("user_disabled", {{"user_id", detail::id_hex(target.id)}});
  // The store raised the epoch in the disabling transaction; read it back to publish it.
  auto after = core.store().get_user(caller.tenant.id, target.id);
  const bool immediate = after && core.publish_revocation(caller.tenant.id, target.id, after->revoke_epoch);
  count(immediate ? "disabled" : "disabled_not_published");
  json::Writer w;
  w.begin_object();
  write_user(w, after ? *after : target);
  w.field("immediate", immediate).end_object();
  return detail::json(200, w.take());
}

}  // namespace

void add_tenant_routes(Router& router, const ApiCore& core) {
  auto m = std::make_shared<TenantMetrics>(core.metrics());
  const AuthOptions admin{.min_role = store::Role::kAdmin};
  core.add_authed(router, "GET", "/v1/tenant", {},
                  [m](const http::Request&, const Caller& c, const PathParams&) { return get_tenant(*m, c); });
  core.add_authed(router, "GET", "/v1/users", admin, [&core, m](const http::Request&, const Caller& c, const PathParams&) {
    return list_users(core, *m, c);
  });
  core.add_authed(router, "GET", "/v1/users/{id}", {},
                  [&core, m](const http::Request&, const Caller& c, const PathParams& p) {
                    return get_user(core, *m, c, p[0]);
                  });
  core.add_authed(router, "PATCH", "/v1/users/{id}", admin,
                  [&core, m](const http::Request& r, const Caller& c, const PathParams& p) {
                    return change_role(core, *m, r, c, p[0]);
                  });
  core.add_authed(router, "POST", "/v1/users/{id}/disable", admin,
                  [&core, m](const http::Request& r, const Caller& c, const PathParams& p) {
                    return disable_user(core, *m, r, c, p[0]);
                  });
  add_invitation_routes(router, core);
}

}  // namespace bw::auth::api
