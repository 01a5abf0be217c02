// Tenant routes (modules.hpp): the tenant, its users and their roles, and invitations.
//
// Guarantees:
//  - every user id is looked up inside the caller's tenant: another tenant's id answers
//    404 exactly like a missing one, and nothing changes;
//  - role changes, disables and invitations follow role_rules.hpp on the roles stored now
//    (never a token's claim); the store keeps the last enabled owner (409 last_owner);
//  - a disable ends every session in the store (epoch + 1, families revoked) and publishes
//    the new epoch, so the user's access tokens die everywhere at once; a demotion raises
//    the epoch the same way, so no access token keeps claiming the higher role;
//  - an invitation token (bwot_) is shown once, stored only as its hash, and appears in
//    no log line or audit payload; every way an accept can fail for the token (unknown
//    tenant, malformed, unknown, used, expired, another tenant's, an inviter who may no
//    longer grant the role) answers the same 404, counted against the source address in
//    the lockout, and an accept creates the user exactly once (the store decides).
#include <memory>

#include "api/api_support.hpp"
#include "api/modules.hpp"
#include "api/role_rules.hpp"
#include "bw/authcore/password_policy.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/sha256.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

constexpr store::TimeMs kInvitationTtlMs = 7LL * 24 * 3600 * 1000;  // an invitation lives 7 days

struct TenantMetrics {
  explicit TenantMetrics(metrics::Factory& f)
      : tenant_reads(f.counter("tenant_reads", "GET /v1/tenant by result")),
        user_reads(f.counter("user_reads", "user listings and look-ups by result")),
        role_changes(f.counter("role_changes", "role changes by result")),
        user_disables(f.counter("user_disables", "user disables by result")),
        invitations(f.counter("invitations_created", "invitations created by result")),
        accepts(f.counter("invitation_accepts", "invitation accepts by result")) {}
  metrics::Family<prometheus::Counter> tenant_reads, user_reads, role_changes, user_disables, invitations, accepts;
};

using Count = std::function<void(const char*)>;

Count counter(metrics::Family<prometheus::Counter>& family) {
  return [&family](const char* result) { family.add({{"result", result}}).Increment(); };
}

http::Response not_found() { return error(404, "not_found", "no such user in this tenant"); }
http::Response forbidden() { return error(403, "forbidden", "your role does not allow this"); }
http::Response invalid_invitation() {
  return error(404, "invalid_invitation", "the invitation is not valid: unknown, used, expired or for another tenant");
}

std::int64_t seconds(store::TimeMs ms) { return ms / 1000; }

// A user as the API shows it: never the password hash or the revocation epoch.
void write_user(json::Writer& w, const store::User& u) {
  w.field("user_id", detail::id_hex(u.id))
      .field("login", u.login)
      .field("email", u.email)
      .field("role", store::role_name(u.role))
      .field("disabled", u.disabled_at.has_value())
      .field("created_at", seconds(u.created_at));
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
      .field("created_at", seconds(t.created_at))
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

http::Response create_invitation(const ApiCore& core, TenantMetrics& m, const http::Request& request,
                                 const Caller& caller) {
  const Count count = counter(m.invitations);
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto email = fields->string("email", 1, 254);
  if (!email) return count("invalid"), detail::bad_request(email.error());
  auto role_text = fields->one_of("role", {"owner", "admin", "member", "viewer"});
  if (!role_text) return count("invalid"), detail::bad_request(role_text.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  const std::string address = detail::lower_ascii(*email);
  if (!detail::valid_email(address)) return count("invalid"), error(400, "invalid_request", "email: not an e-mail address");
  const store::Role role = *store::parse_role(*role_text);
  if (!may_grant(caller.user.role, role)) return count("forbidden"), forbidden();
  if (role == store::Role::kOwner) {
    return count("invalid"), error(400, "invalid_request", "role: an invitation cannot grant owner; promote the user after they join");
  }
  const std::string token = authcore::generate_token(authcore::TokenKind::kOneTime);
  const auto hash = authcore::token_hash(token);
  const auto now = core.now();
  store::Invitation inv{caller.tenant.id, detail::new_id(), Bytes(hash.begin(), hash.end()), address, role,
                        caller.user.id, now, now + kInvitationTtlMs};
  if (auto st = core.store().create_invitation(inv); !st) return count("unavailable"), detail::unavailable();
  json::Writer audit;
  audit.begin_object()
      .field("invitation_id", detail::id_hex(inv.id))
      .field("email", inv.email)
      .field("role", store::role_name(role))
      .field("by", detail::id_hex(caller.user.id))
      .field("expires_at", seconds(inv.expires_at))
      .end_object();
  core.audit(caller.tenant.id, "invitation_created", audit.take());
  log::info("invitation_created", {{"invitation_id", detail::id_hex(inv.id)}, {"role", store::role_name(role)}});
  count("created");
  json::Writer w;
  w.begin_object()
      .field("invitation_id", detail::id_hex(inv.id))
      .field("token", token)
      .field("role", store::role_name(role))
      .field("expires_at", seconds(inv.expires_at))
      .end_object();
  return detail::json(201, w.take());  // not cacheable: the token is shown once
}

// The lockout subject of an invitation token: a hash of its at-rest hash, so neither the
// token nor the store's lookup key reaches the rate-limit service.
std::string invitation_subject(const crypto::Sha256Digest& token_hash) {
  Bytes input = to_bytes("bw-invitation-lockout-v1");
  append(input, ByteView(token_hash));
  return crypto::hex_encode(crypto::sha256(input));
}

struct AcceptRequest {
  std::string slug, token, login, password;
};

Result<AcceptRequest> parse_accept(std::string_view body) {
  auto fields = json::parse_object(body);
  if (!fields) return fields.error();
  auto tenant = fields->string("tenant", 1, 63);
  if (!tenant) return tenant.error();
  auto token = fields->string("token", 1, 128);
  if (!token) return token.error();
  auto login = fields->string("login", 1, 64);
  if (!login) return login.error();
  auto password = fields->string("password", 1, authcore::kMaxPasswordBytes);
  if (!password) return password.error();
  if (auto st = fields->finish(); !st) return st.error();
  return AcceptRequest{detail::lower_ascii(*tenant), std::move(token.value()), detail::lower_ascii(*login),
                       std::move(password.value())};
}

// The live invitation the request names, or nullopt for every kind of invalid token (the
// caller answers invalid_invitation), or a store error.
Result<std::optional<store::Invitation>> find_live_invitation(const ApiCore& core, const AcceptRequest& a,
                                                              const crypto::Sha256Digest& hash) {
  using Found = Result<std::optional<store::Invitation>>;
  const auto refused = [](const Error& e) -> Found {
    if (store::has_code(e, store::Errc::kNotFound)) return std::optional<store::Invitation>();
    return e;
  };
  if (!detail::valid_slug(a.slug) || authcore::parse_token(a.token) != authcore::TokenKind::kOneTime) {
    return std::optional<store::Invitation>();
  }
  auto tenant = core.store().find_tenant_by_slug(a.slug);
  if (!tenant) return refused(tenant.error());
  auto inv = core.store().find_invitation(tenant->id, ByteView(hash), core.now());
  if (!inv) return refused(inv.error());
  // The inviter must still be enabled and still allowed to grant the role: disabling or
  // demoting someone withdraws the invitations they sent.
  auto inviter = core.store().get_user(tenant->id, inv->invited_by);
  if (!inviter) return refused(inviter.error());
  if (inviter->disabled_at || !may_grant(inviter->role, inv->role)) return std::optional<store::Invitation>();
  return std::optional<store::Invitation>(std::move(inv.value()));
}

http::Response accept_invitation(const ApiCore& core, TenantMetrics& m, const http::Request& request) {
  const Count count = counter(m.accepts);
  auto a = parse_accept(request.body);
  if (!a) return count("invalid"), detail::bad_request(a.error());
  if (!detail::valid_login(a->login)) {
    return count("invalid"), error(400, "invalid_request", "login: 1 to 64 characters of a-z, 0-9 and . _ @ + -");
  }
  const auto hash = authcore::token_hash(a->token);
  const std::string subject = invitation_subject(hash);
  auto attempt = core.deps().lockout->record_attempt(subject, request.peer);
  if (!attempt) return count("lockout_unavailable"), detail::unavailable();
  if (!attempt->allowed) return count("locked"), detail::locked(attempt->retry_after);
  auto inv = find_live_invitation(core, *a, hash);
  if (!inv) return count("unavailable"), detail::unavailable();
  if (!*inv) {
    if (auto st = core.deps().lockout->record_address_failure(request.peer); !st) {
      log::warn("invitation_lockout_unavailable", {{"error", st.error().message}});
    }
    return count("refused"), invalid_invitation();
  }
  const store::Invitation& invitation = **inv;
  if (auto st = authcore::check_new_password(a->password, {a->login, invitation.email}); !st) {
    return count("weak_password"), error(400, "weak_password", "password: " + st.error().message);
  }
  auto phc = core.deps().hasher->hash(a->password);
  if (!phc) return count("error"), error(500, "internal", "internal error");
  store::User user;
  user.id = detail::new_id();
  user.login = a->login;
  user.password_phc = std::move(phc.value());
  user.created_at = core.now();
  auto created = core.store().accept_invitation(invitation.tenant_id, ByteView(hash), std::move(user), core.now());
  if (!created) {
    if (store::has_code(created.error(), store::Errc::kNotFound)) return count("refused"), invalid_invitation();
    if (store::has_code(created.error(), store::Errc::kConflict)) {
      return count("conflict"), error(409, "conflict", "login: this login or the invited e-mail is already used in the tenant");
    }
    return count("unavailable"), detail::unavailable();
  }
  (void)core.deps().lockout->clear_account(subject);
  json::Writer audit;
  audit.begin_object()
      .field("invitation_id", detail::id_hex(invitation.id))
      .field("user_id", detail::id_hex(created->id))
      .field("role", store::role_name(created->role))
      .field("address", request.peer)
      .end_object();
  core.audit(invitation.tenant_id, "invitation_accepted", audit.take());
  log::info("invitation_accepted", {{"tenant_id", detail::id_hex(invitation.tenant_id)}, {"user_id", detail::id_hex(created->id)}});
  count("accepted");
  json::Writer w;
  w.begin_object().field("tenant_id", detail::id_hex(invitation.tenant_id)).field("user_id", detail::id_hex(created->id)).end_object();
  return detail::json(201, w.take());
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
  core.add_authed(router, "POST", "/v1/invitations", admin,
                  [&core, m](const http::Request& r, const Caller& c, const PathParams&) {
                    return create_invitation(core, *m, r, c);
                  });
  router.add("POST", "/v1/invitations/accept",
             [&core, m](const http::Request& r, const PathParams&) { return accept_invitation(core, *m, r); });
}

}  // namespace bw::auth::api
