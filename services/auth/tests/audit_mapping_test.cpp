#include "ops/audit_mapping.hpp"

#include <gtest/gtest.h>

#include "bw/auditclient/event.hpp"

namespace bw::auth::ops {
namespace {

using auditclient::ActorKind;
using auditclient::Outcome;

const std::string kUserHex = "0102030405060708090a0b0c0d0e0f10";
const std::string kUserBytes = "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10";
const std::string kOtherHex = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";

store::AuditEvent row(std::string kind, std::string payload) {
  store::AuditEvent r;
  r.seq = 7;
  r.event_id = Bytes(16, 0x42);
  r.tenant_id = store::Id{5};
  r.kind = std::move(kind);
  r.payload = Bytes(payload.begin(), payload.end());
  r.created_at = 1'700'000'000'123;
  return r;
}

std::string attr(const auditclient::Event& e, std::string_view key) {
  for (const auto& [k, v] : e.attributes) {
    if (k == key) return v;
  }
  return "<absent>";
}

TEST(AuditMapping, LoginNamesTheUserTheAddressAndTheMethods) {
  const auto e = outbox_event(row("login", R"({"user_id":")" + kUserHex + R"(","address":"192.0.2.1","amr":"pwd otp"})"));
  EXPECT_EQ(e.action, "auth.login");
  EXPECT_EQ(e.actor_kind, ActorKind::kUser);
  EXPECT_EQ(e.actor_id, kUserBytes);
  EXPECT_EQ(e.target_type, "user");
  EXPECT_EQ(e.result, Outcome::kSuccess);
  EXPECT_EQ(e.source_address.size(), 16u);
  EXPECT_EQ(attr(e, "amr"), "pwd otp");
  EXPECT_EQ(e.tenant, store::Id{5});
  auditclient::Id stored;
  stored.fill(0x42);
  EXPECT_EQ(e.event_id, stored);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(e.time.time_since_epoch()).count(),
            1'700'000'000'123);
  EXPECT_EQ(auditclient::check_event(e), "");
}

TEST(AuditMapping, FailedLoginOfAnUnknownUserIsAnonymous) {
  const auto e = outbox_event(row("login_failed", R"({"user_id":null,"address":"192.0.2.1"})"));
  EXPECT_EQ(e.action, "auth.login");
  EXPECT_EQ(e.actor_kind, ActorKind::kAnonymous);
  EXPECT_EQ(e.result, Outcome::kFailure);
  EXPECT_EQ(auditclient::check_event(e), "");
}

TEST(AuditMapping, LockedLoginIsDenied) {
  const auto e = outbox_event(row("login_locked", R"({"user_id":null,"address":"192.0.2.1"})"));
  EXPECT_EQ(e.result, Outcome::kDenied);
  EXPECT_EQ(e.actor_kind, ActorKind::kAnonymous);
}

TEST(AuditMapping, RoleChangeHasTheAdminAsActorAndTheUserAsTarget) {
  const auto e = outbox_event(
      row("role_changed", R"({"user_id":")" + kUserHex + R"(","from":"viewer","to":"admin","by":")" + kOtherHex + R"("})"));
  EXPECT_EQ(e.action, "auth.user.role_changed");
  EXPECT_EQ(e.actor_id.size(), 16u);
  EXPECT_NE(e.actor_id, kUserBytes);
  EXPECT_EQ(e.target_id, kUserBytes);
  EXPECT_EQ(attr(e, "from"), "viewer");
  EXPECT_EQ(attr(e, "to"), "admin");
}

TEST(AuditMapping, RefreshReuseIsADeniedSessionEvent) {
  const auto e = outbox_event(row("refresh_token_reused", R"({"session_id":")" + kOtherHex + R"(","user_id":")" +
                                                              kUserHex + R"(","address":"::1"})"));
  EXPECT_EQ(e.action, "auth.refresh.reuse_detected");
  EXPECT_EQ(e.target_type, "session");
  EXPECT_EQ(e.target_id.size(), 16u);
  EXPECT_EQ(e.result, Outcome::kDenied);
}

TEST(AuditMapping, OperatorCommandsAreServiceActions) {
  const auto e = outbox_event(
      row("signing_key_rotated", R"({"actor":"operator","command":"rotate-signing-key","kid":"k0011223344556677"})"));
  EXPECT_EQ(e.action, "auth.signing_key.rotated");
  EXPECT_EQ(e.actor_kind, ActorKind::kService);
  EXPECT_EQ(e.actor_name, "auth-operator");
  EXPECT_EQ(e.target_id, "k0011223344556677");
  EXPECT_EQ(attr(e, "command"), "rotate-signing-key");
}

TEST(AuditMapping, PayloadFieldsOutsideTheAllowlistNeverReachTheEvent) {
  const auto e = outbox_event(row("invitation_created", R"({"invitation_id":")" + kOtherHex +
                                                            R"(","email":"alice@example.com","role":"admin","by":")" +
                                                            kUserHex + R"(","expires_at":123})"));
  EXPECT_EQ(e.action, "auth.invitation.created");
  EXPECT_EQ(attr(e, "email"), "<absent>");
  EXPECT_EQ(attr(e, "expires_at"), "<absent>");
  EXPECT_EQ(attr(e, "role"), "admin");
}

TEST(AuditMapping, BooleanAttributesAreText) {
  const auto e = outbox_event(
      row("tenant_mfa_required_changed", R"({"user_id":")" + kUserHex + R"(","required":true,"address":"::1"})"));
  EXPECT_EQ(attr(e, "required"), "true");
}

TEST(AuditMapping, EveryKnownKindMapsToAValidEvent) {
  for (const char* kind :
       {"login", "login_failed", "login_locked", "mfa_recovery_code_used", "refresh_token_reused", "signed_out_everywhere",
        "password_changed", "tenant_created", "role_changed", "user_disabled", "invitation_created",
        "invitation_accepted", "mfa_enrolment_started", "mfa_enabled", "mfa_disabled", "mfa_recovery_codes_renewed",
        "tenant_mfa_required_changed", "device_grant_approved", "device_grant_denied", "device_registered",
        "device_revoked", "pairing_offered", "pairing_claimed", "pairing_claim_refused", "pairing_revoked",
        "tenant_bootstrapped", "password_reset_by_operator", "mfa_reset_by_operator", "signing_key_rotated"}) {
    const auto e = outbox_event(row(kind, R"({"user_id":")" + kUserHex + R"(","agent_device_id":")" + kOtherHex +
                                              R"(","by":")" + kOtherHex + R"(","by_user_id":")" + kOtherHex + R"("})"));
    EXPECT_EQ(auditclient::check_event(e), "") << kind;
    if (std::string_view(kind) != "login") {
      EXPECT_NE(e.action, "auth." + std::string(kind)) << kind << " has no rule";
    }
    EXPECT_NE(e.result, Outcome::kUnspecified) << kind;
  }
}

TEST(AuditMapping, UnknownKindsAndBadPayloadsStillYieldAnEvent) {
  const auto unknown = outbox_event(row("something_new", "{}"));
  EXPECT_EQ(unknown.action, "auth.something_new");
  EXPECT_EQ(auditclient::check_event(unknown), "");
  EXPECT_EQ(attr(unknown, "mapping"), "unknown_kind");
  const auto garbled = outbox_event(row("login_failed", "not json"));
  EXPECT_EQ(garbled.action, "auth.login");
  EXPECT_EQ(garbled.result, Outcome::kFailure);
  EXPECT_EQ(attr(garbled, "mapping"), "payload_unreadable");
  EXPECT_EQ(auditclient::check_event(garbled), "");
}

TEST(AuditMapping, RowsWithoutAStoredIdGetAStableDerivedOne) {
  auto r = row("login", "{}");
  r.event_id.clear();
  const auto a = outbox_event(r), b = outbox_event(r);
  EXPECT_EQ(a.event_id, b.event_id);
  r.seq = 8;
  EXPECT_NE(outbox_event(r).event_id, a.event_id);
}

}  // namespace
}  // namespace bw::auth::ops
