// Invitation routes (modules.hpp, registered by add_tenant_routes): an admin or owner
// invites an e-mail address with a role; whoever holds the token joins the tenant once.
//
// Guarantees:
//  - the role is fixed at creation by role_rules.hpp (never owner; admin only by an
//    owner) and the accept cannot choose it;
//  - the token (bwot_, 256 bits) is shown once, stored only as its hash, and appears in no
//    log line, audit payload or error message;
//  - every way an accept can fail for the token (unknown tenant, malformed, unknown, used,
//    expired, another tenant's, an inviter since disabled or no longer allowed to grant the
//    role) answers the same 404 and counts one failure for the source address in the
//    lockout; a banned address is refused before any look-up; no Argon2id work happens
//    before the invitation is found live;
//  - an accept creates the user exactly once (the store marks the invitation used and
//    inserts the user in one transaction).
#include <functional>
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

struct InvitationMetrics {
  explicit InvitationMetrics(metrics::Factory& f)
      : invitations(f.counter("invitations_created", "invitations created by result")),
        accepts(f.counter("invitation_accepts", "invitation accepts by result")) {}
  metrics::Family<prometheus::Counter> invitations, accepts;
};

http::Response invalid_invitation() {
  return error(404, "invalid_invitation", "the invitation is not valid: unknown, used, expired or for another tenant");
}

http::Response create_invitation(const ApiCore& core, InvitationMetrics& m, const http::Request& request,
                                 const Caller& caller) {
  const auto count = [&](const char* result) { m.invitations.add({{"result", result}}).Increment(); };
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
  if (!may_grant(caller.user.role, role)) return count("forbidden"), error(403, "forbidden", "your role does not allow this");
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
      .field("expires_at", inv.expires_at)
      .end_object();
  core.audit(caller.tenant.id, "invitation_created", audit.take());
  log::info("invitation_created", {{"invitation_id", detail::id_hex(inv.id)}, {"role", store::role_name(role)}});
  count("created");
  json::Writer w;
  w.begin_object()
      .field("invitation_id", detail::id_hex(inv.id))
      .field("token", token)
      .field("role", store::role_name(role))
      .field("expires_at", inv.expires_at)
      .end_object();
  return detail::json(201, w.take());  // not cacheable: the token is shown once
}

// The lockout subject of an invitation token: a hash of its at-rest hash, so neither the
// token nor the store's lookup key reaches the rate-limit service.
std::string invitation_subject(const crypto::Sha256Digest& token_hash) {
  return detail::lockout_subject("bw-invitation-lockout-v1", {crypto::hex_encode(ByteView(token_hash))});
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

using Count = std::function<void(const char*)>;

// Creates the invited user once the invitation was found live: the password policy (with
// the invited e-mail), one Argon2id hash, then the store's single-use accept.
http::Response join(const ApiCore& core, const Count& count, const http::Request& request, const AcceptRequest& a,
                    const store::Invitation& invitation, const crypto::Sha256Digest& hash, const std::string& subject) {
  if (auto st = authcore::check_new_password(a.password, {a.login, invitation.email}); !st) {
    return count("weak_password"), error(400, "weak_password", "password: " + st.error().message);
  }
  auto phc = core.deps().hasher->hash(a.password);
  if (!phc) return count("error"), error(500, "internal", "internal error");
  store::User user;
  user.id = detail::new_id();
  user.login = a.login;
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

http::Response accept_invitation(const ApiCore& core, InvitationMetrics& m, const http::Request& request) {
  const Count count = [&m](const char* result) { m.accepts.add({{"result", result}}).Increment(); };
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
  auto invitation = find_live_invitation(core, *a, hash);
  if (!invitation) return count("unavailable"), detail::unavailable();
  if (!*invitation) {
    if (auto st = core.deps().lockout->record_address_failure(request.peer); !st) {
      log::warn("invitation_lockout_unavailable", {{"error", st.error().message}});
    }
    return count("refused"), invalid_invitation();
  }
  return join(core, count, request, *a, **invitation, hash, subject);
}

}  // namespace

void add_invitation_routes(Router& router, const ApiCore& core) {
  auto m = std::make_shared<InvitationMetrics>(core.metrics());
  core.add_authed(router, "POST", "/v1/invitations", {.min_role = store::Role::kAdmin},
                  [&core, m](const http::Request& r, const Caller& c, const PathParams&) {
                    return create_invitation(core, *m, r, c);
                  });
  router.add("POST", "/v1/invitations/accept",
             [&core, m](const http::Request& r, const PathParams&) { return accept_invitation(core, *m, r); });
}

}  // namespace bw::auth::api
