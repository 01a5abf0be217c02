// The table from auth's outbox kinds to audit events (see audit_mapping.hpp).
#include "ops/audit_mapping.hpp"

#include <cstring>
#include <optional>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/sha256.hpp"
#include "bw/json/object.hpp"

namespace bw::auth::ops {
namespace {

using auditclient::Outcome;

enum class Who {
  kUser,                // a signed-in user: actor_field holds the user id
  kUserElseAnonymous,   // the user when known (a failed login), else anonymous
  kDevice,              // a device acting with its own credential
  kAnonymous,           // nobody identified (a locked login)
  kOperator,            // an operator's command-line action: service "auth-operator"
};

struct Rule {
  std::string_view kind;
  std::string_view action;
  Who actor;
  std::string_view actor_field;
  std::string_view target_type;
  std::string_view target_field;  // empty: the target has no single id
  Outcome result;
};

// One line per kind written by services/auth/src (api/*.cpp core.audit, ops/commands.cpp).
using enum Who;
using enum Outcome;

constexpr Rule kRules[] = {
    {"login", "auth.login", kUser, "user_id", "user", "user_id", kSuccess},
    {"login_failed", "auth.login", kUserElseAnonymous, "user_id", "user", "user_id", kFailure},
    {"login_locked", "auth.login", kAnonymous, "", "user", "", kDenied},
    {"mfa_recovery_code_used", "auth.mfa.recovery_code_used", kUser, "user_id", "user", "user_id", kSuccess},
    {"refresh_token_reused", "auth.refresh.reuse_detected", kUser, "user_id", "session", "session_id", kDenied},
    {"signed_out_everywhere", "auth.session.signed_out_everywhere", kUser, "user_id", "user", "user_id", kSuccess},
    {"password_changed", "auth.password.changed", kUser, "user_id", "user", "user_id", kSuccess},
    {"tenant_created", "auth.tenant.created", kUser, "user_id", "tenant", "", kSuccess},
    {"role_changed", "auth.user.role_changed", kUser, "by", "user", "user_id", kSuccess},
    {"user_disabled", "auth.user.disabled", kUser, "by", "user", "user_id", kSuccess},
    {"invitation_created", "auth.invitation.created", kUser, "by", "invitation", "invitation_id", kSuccess},
    {"invitation_accepted", "auth.invitation.accepted", kUser, "user_id", "invitation", "invitation_id", kSuccess},
    {"mfa_enrolment_started", "auth.mfa.enrolment_started", kUser, "user_id", "user", "user_id", kSuccess},
    {"mfa_enabled", "auth.mfa.enabled", kUser, "user_id", "user", "user_id", kSuccess},
    {"mfa_disabled", "auth.mfa.disabled", kUser, "user_id", "user", "user_id", kSuccess},
    {"mfa_recovery_codes_renewed", "auth.mfa.recovery_codes_renewed", kUser, "user_id", "user", "user_id", kSuccess},
    {"tenant_mfa_required_changed", "auth.tenant.mfa_required_changed", kUser, "user_id", "tenant", "", kSuccess},
    {"device_grant_approved", "auth.device_grant.approved", kUser, "user_id", "device_grant", "", kSuccess},
    {"device_grant_denied", "auth.device_grant.denied", kUser, "user_id", "device_grant", "", kSuccess},
    {"device_registered", "auth.device.registered", kUser, "user_id", "device", "device_id", kSuccess},
    {"device_revoked", "auth.device.revoked", kUser, "by_user_id", "device", "device_id", kSuccess},
    {"pairing_offered", "auth.pairing.offered", kDevice, "agent_device_id", "pairing", "pairing_id", kSuccess},
    {"pairing_claimed", "auth.pairing.claimed", kUser, "user_id", "pairing", "pairing_id", kSuccess},
    {"pairing_claim_refused", "auth.pairing.claimed", kUser, "user_id", "pairing", "pairing_id", kFailure},
    {"pairing_revoked", "auth.pairing.revoked", kUser, "user_id", "pairing", "pairing_id", kSuccess},
    {"tenant_bootstrapped", "auth.tenant.bootstrapped", kOperator, "", "user", "user_id", kSuccess},
    {"password_reset_by_operator", "auth.password.reset_by_operator", kOperator, "", "user", "user_id", kSuccess},
    {"mfa_reset_by_operator", "auth.mfa.reset_by_operator", kOperator, "", "user", "user_id", kSuccess},
    {"signing_key_rotated", "auth.signing_key.rotated", kOperator, "", "signing_key", "kid", kSuccess},
};

// Short closed-set payload fields that may become attributes; nothing else is copied.
constexpr std::string_view kAttributeFields[] = {"amr",    "role",    "from", "to", "kind",
                                                 "required", "result", "command", "kid"};

const Rule* find_rule(std::string_view kind) {
  for (const auto& r : kRules) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

// A payload field as text, whatever its JSON scalar type; nullopt if absent or null.
std::optional<std::string> text(json::Fields& f, std::string_view name) {
  if (auto s = f.optional_string(name, 0, 4096); s.ok()) return *s;
  if (auto b = f.optional_boolean(name); b.ok() && *b) return std::string(**b ? "true" : "false");
  if (auto i = f.integer(name, INT64_MIN, INT64_MAX); i.ok()) return std::to_string(*i);
  return std::nullopt;
}

// 32 hex characters → the 16 id bytes; other text is kept as is if short (a key id).
std::string id_bytes(const std::string& value) {
  if (value.size() == 32) {
    if (auto b = crypto::hex_decode(value); b.ok()) return std::string(b->begin(), b->end());
  }
  return value.size() <= auditclient::kMaxTargetIdBytes ? value : std::string();
}

auditclient::Id event_id_of(const store::AuditEvent& row) {
  auditclient::Id id{};
  if (row.event_id.size() == id.size()) {
    std::memcpy(id.data(), row.event_id.data(), id.size());
    return id;
  }
  // Rows from before migration 0003: a hash of everything the row holds.
  crypto::Sha256 h;
  const std::string head = "bw.auth.outbox.v0:" + std::to_string(row.seq) + ":" + std::to_string(row.created_at) + ":";
  h.update(as_bytes(head)).update(row.tenant_id).update(as_bytes(row.kind + ":")).update(row.payload);
  const auto digest = h.finish();
  std::memcpy(id.data(), digest.data(), id.size());
  return id;
}

void set_actor(auditclient::EventBuilder& b, const Rule& rule, json::Fields& f) {
  const auto id = rule.actor_field.empty() ? std::nullopt : text(f, rule.actor_field);
  switch (rule.actor) {
    case Who::kUser:
    case Who::kUserElseAnonymous:
      if (id && id->size() == 32) b.user(id_bytes(*id));
      else b.anonymous();
      break;
    case Who::kDevice:
      if (id && id->size() == 32) b.device(id_bytes(*id));
      else b.anonymous();
      break;
    case Who::kAnonymous: b.anonymous(); break;
    case Who::kOperator: b.service("auth-operator"); break;
  }
}

}  // namespace

std::string audit_action(std::string_view kind) {
  if (const Rule* r = find_rule(kind)) return std::string(r->action);
  return "auth." + std::string(kind);
}

auditclient::Event outbox_event(const store::AuditEvent& row) {
  auditclient::EventBuilder b(audit_action(row.kind), row.tenant_id);
  b.id(event_id_of(row)).at(std::chrono::system_clock::time_point(std::chrono::milliseconds(row.created_at)));
  // Defaults for what the table or the payload cannot say (the audit service requires an
  // actor and a result): nobody identified; the outbox records things that happened.
  const Rule* rule = find_rule(row.kind);
  b.anonymous().result(rule ? rule->result : Outcome::kSuccess);
  if (!rule) b.attribute("mapping", "unknown_kind");
  const std::string_view payload(reinterpret_cast<const char*>(row.payload.data()), row.payload.size());
  auto fields = json::parse_object(payload);
  if (!fields) return b.attribute("mapping", "payload_unreadable").build();
  if (rule) {
    set_actor(b, *rule, *fields);
    const auto target = rule->target_field.empty() ? std::nullopt : text(*fields, rule->target_field);
    b.target(rule->target_type, target ? id_bytes(*target) : std::string());
  }
  if (auto address = text(*fields, "address")) b.source(*address);
  for (auto key : kAttributeFields) {
    if (auto value = text(*fields, key)) b.attribute(key, *value);
  }
  return b.build();
}

}  // namespace bw::auth::ops
