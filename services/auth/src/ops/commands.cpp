// Operator commands (commands.hpp).
#include "ops/commands.hpp"

#include "api/api_support.hpp"
#include "api/auth_api.hpp"
#include "api/signing_keys.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/ed25519.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/json/writer.hpp"
#include "store/errors.hpp"

namespace bw::auth::ops {
namespace {

Error fail(OpsErrc code, std::string message) { return Error{static_cast<int>(code), std::move(message)}; }

Error store_failure(const Error& e) { return fail(OpsErrc::kUnavailable, "the auth database failed: " + e.message); }

// Queues an operator audit event. A full outbox or a store error is reported, not fatal:
// the change itself is done and must not be rolled back for want of an audit slot.
void audit(const OpsDeps& deps, const store::Id& tenant, std::string_view kind, std::string payload) {
  (void)deps.store->append_audit_event(tenant, kind, as_bytes(payload), deps.now_ms(), api::kMaxQueuedAuditEvents);
}

std::string payload(std::string_view command, const store::Id* user) {
  json::Writer w;
  w.begin_object().field("actor", "operator").field("command", command);
  if (user) w.field("user_id", api::detail::id_hex(*user));
  w.end_object();
  return w.take();
}

// The user `login` of tenant `slug` (both normalised like the public API does).
Result<store::User> find_user(const OpsDeps& deps, std::string_view slug, std::string_view login) {
  auto tenant = deps.store->find_tenant_by_slug(api::detail::lower_ascii(slug));
  if (!tenant) {
    if (store::has_code(tenant.error(), store::Errc::kNotFound)) return fail(OpsErrc::kNotFound, "no such tenant");
    return store_failure(tenant.error());
  }
  auto user = deps.store->find_user_by_login(tenant->id, api::detail::lower_ascii(login));
  if (!user) {
    if (store::has_code(user.error(), store::Errc::kNotFound)) return fail(OpsErrc::kNotFound, "no such user in that tenant");
    return store_failure(user.error());
  }
  return user;
}

void publish(const OpsDeps& deps, ResetResult& r) {
  r.published = deps.revocations == nullptr || deps.revocations->publish(r.tenant_id, r.user_id, r.revoke_epoch).ok();
}

}  // namespace

Result<BootstrapResult> bootstrap(const OpsDeps& deps, std::string_view slug_in, std::string_view login_in,
                                  std::string_view email_in) {
  const std::string slug = api::detail::lower_ascii(slug_in);
  const std::string login = api::detail::lower_ascii(login_in);
  const std::string email = api::detail::lower_ascii(email_in);
  if (!api::detail::valid_slug(slug)) {
    return fail(OpsErrc::kInvalid, "--tenant: 3 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-'");
  }
  if (!api::detail::valid_login(login)) return fail(OpsErrc::kInvalid, "--login: 1 to 64 characters of a-z, 0-9 and . _ @ + -");
  if (!api::detail::valid_email(email)) return fail(OpsErrc::kInvalid, "--email: not an e-mail address");
  BootstrapResult out;
  out.password = authcore::generate_token(authcore::TokenKind::kOneTime);
  auto phc = deps.hasher->hash(out.password);
  if (!phc) return fail(OpsErrc::kUnavailable, "password hashing failed");
  const auto now = deps.now_ms();
  store::Tenant tenant{api::detail::new_id(), slug, slug, false, now};
  store::User owner;
  owner.tenant_id = tenant.id;
  owner.id = api::detail::new_id();
  owner.login = login;
  owner.email = email;
  owner.role = store::Role::kOwner;
  owner.password_phc = std::move(phc.value());
  owner.created_at = now;
  if (auto st = deps.store->create_tenant_with_owner(tenant, owner); !st) {
    if (store::has_code(st.error(), store::Errc::kConflict)) {
      return fail(OpsErrc::kExists, "tenant '" + slug + "' already exists; nothing was changed");
    }
    return store_failure(st.error());
  }
  out.tenant_id = tenant.id;
  out.user_id = owner.id;
  audit(deps, tenant.id, "tenant_bootstrapped", payload("bootstrap", &owner.id));
  return out;
}

Result<ResetResult> reset_password(const OpsDeps& deps, std::string_view slug, std::string_view login) {
  auto user = find_user(deps, slug, login);
  if (!user) return user.error();
  ResetResult out{user->tenant_id, user->id};
  out.password = authcore::generate_token(authcore::TokenKind::kOneTime);
  auto phc = deps.hasher->hash(out.password);
  if (!phc) return fail(OpsErrc::kUnavailable, "password hashing failed");
  auto epoch = deps.store->update_password(user->tenant_id, user->id, *phc, deps.now_ms());
  if (!epoch) return store_failure(epoch.error());
  out.revoke_epoch = *epoch;
  publish(deps, out);
  audit(deps, user->tenant_id, "password_reset_by_operator", payload("reset-password", &user->id));
  return out;
}

Result<ResetResult> reset_mfa(const OpsDeps& deps, std::string_view slug, std::string_view login) {
  auto user = find_user(deps, slug, login);
  if (!user) return user.error();
  if (auto secret = deps.store->get_totp_secret(user->tenant_id, user->id); !secret) {
    if (store::has_code(secret.error(), store::Errc::kNotFound)) {
      return fail(OpsErrc::kNotFound, "the user has no TOTP enrolment; nothing was changed");
    }
    return store_failure(secret.error());
  }
  // Sessions end first: if the removal then fails, running the command again finishes it.
  ResetResult out{user->tenant_id, user->id};
  auto epoch = deps.store->bump_revoke_epoch(user->tenant_id, user->id, deps.now_ms());
  if (!epoch) return store_failure(epoch.error());
  out.revoke_epoch = *epoch;
  if (auto st = deps.store->delete_totp(user->tenant_id, user->id);
      !st && !store::has_code(st.error(), store::Errc::kNotFound)) {
    return store_failure(st.error());
  }
  publish(deps, out);
  audit(deps, user->tenant_id, "mfa_reset_by_operator", payload("reset-mfa", &user->id));
  return out;
}

Result<RotateResult> rotate_signing_key(const OpsDeps& deps) {
  auto pair = crypto::ed25519_generate();
  if (!pair) return fail(OpsErrc::kUnavailable, "key generation failed");
  const std::string kid = "k" + crypto::hex_encode(crypto::random(8));
  auto row = api::seal_signing_key(*deps.kek, kid, pair->seed.view(), deps.now_ms());
  if (!row) return fail(OpsErrc::kUnavailable, "sealing the key under the KEK failed: " + row.error().message);
  if (auto st = deps.store->rotate_signing_key(*row); !st) return store_failure(st.error());
  json::Writer w;
  w.begin_object().field("actor", "operator").field("command", "rotate-signing-key").field("kid", kid).end_object();
  audit(deps, store::Id{}, "signing_key_rotated", w.take());
  return RotateResult{kid};
}

}  // namespace bw::auth::ops
