// Plain value types of the auth store: rows as the service sees them. No SQL here.
// Ids are random 16-byte values made by the caller; times are milliseconds since the Unix
// epoch, always passed in by the caller (the store never reads a clock).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bw/bytes.hpp"

namespace bw::auth::store {

using Id = std::array<std::uint8_t, 16>;
using TimeMs = std::int64_t;

enum class Role { kOwner, kAdmin, kMember, kViewer };
enum class DeviceKind { kAgent, kClient };
enum class KeyState { kCurrent, kPrevious, kRetired };

std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view name);

struct Tenant {
  Id id{};
  std::string slug;  // unique, chosen at sign-up; how a login names its tenant
  std::string name;
  bool mfa_required = false;
  TimeMs created_at = 0;
};

struct User {
  Id tenant_id{};
  Id id{};
  std::string login;  // normalised by the caller (e.g. NFKC + lower case); unique per tenant
  std::string email;  // normalised by the caller; unique per tenant
  Role role = Role::kMember;
  std::string password_phc;
  std::int64_t revoke_epoch = 0;
  TimeMs created_at = 0;
  std::optional<TimeMs> disabled_at;
};

// One sign-in session; its absolute expiry bounds every refresh token in it.
struct RefreshFamily {
  Id tenant_id{};
  Id id{};
  Id user_id{};
  TimeMs created_at = 0;
  TimeMs absolute_expires_at = 0;
  std::optional<TimeMs> revoked_at;
  std::string revoke_reason;
  std::string auth_methods = "pwd";  // RFC 8176 amr values, space-separated, e.g. "pwd otp"
};

struct NewRefreshToken {
  Bytes token_hash;  // SHA-256 of the opaque token; the token itself never reaches the store
  TimeMs issued_at = 0;
  TimeMs idle_expires_at = 0;
};

enum class RotateOutcome {
  kRotated,  // the presented token is now rotated and `next` is the live one
  kReused,   // the presented token was already rotated: the family is now revoked
  kExpired,  // idle or absolute expiry passed; nothing changed
  kRevoked,  // the family was revoked before; nothing changed
};

struct RotateResult {
  RotateOutcome outcome = RotateOutcome::kExpired;
  Id family_id{};
  Id user_id{};
};

struct Device {
  Id tenant_id{};
  Id id{};
  Id user_id{};
  DeviceKind kind = DeviceKind::kClient;
  std::string name;
  Bytes public_key;  // clients' pairing key C; empty for agents
  TimeMs created_at = 0;
  std::optional<TimeMs> revoked_at;
};

// Whom a live device token speaks for.
struct DeviceTokenOwner {
  Id tenant_id{};
  Id user_id{};
  Id device_id{};
  DeviceKind kind = DeviceKind::kAgent;
};

struct PairingOffer {
  Id tenant_id{};
  Id id{};  // becomes the pairing's id (pairing_id in DESIGN §3)
  Id agent_device_id{};
  Role role = Role::kMember;  // the role the agent's user grants; the claim cannot change it
  Bytes code_hash;            // SHA-256 of the ≥ 80-bit code
  TimeMs created_at = 0;
  TimeMs expires_at = 0;
  int max_attempts = 5;
};

// An offer as it stands: what GET /v1/pairing/offers/{id} and a claim's pre-check read.
struct PairingOfferState {
  PairingOffer offer;
  int attempts = 0;  // wrong codes counted so far
  std::optional<TimeMs> claimed_at;
};

struct PairingClaim {
  Id client_device_id{};
  Id client_user_id{};
  Bytes client_public_key;  // C
  Bytes code_hash;          // SHA-256 of the code the client typed or scanned
};

struct Pairing {
  Id tenant_id{};
  Id id{};
  Id agent_device_id{};
  Id client_device_id{};
  Id client_user_id{};
  Role role = Role::kMember;
  Bytes client_public_key;
  TimeMs created_at = 0;
  std::optional<TimeMs> revoked_at;
};

enum class ClaimOutcome { kClaimed, kWrongCode, kExpired, kAttemptsExhausted, kAlreadyClaimed };

struct ClaimResult {
  ClaimOutcome outcome = ClaimOutcome::kWrongCode;
  int attempts_left = 0;
  std::optional<Pairing> pairing;  // set when kClaimed
};

// RFC 8628 device authorization grant, as created (before anyone signs in).
struct DeviceGrant {
  Bytes device_code_hash;
  std::string user_code;
  std::string device_name;
  TimeMs created_at = 0;
  TimeMs expires_at = 0;
  TimeMs interval_ms = 5000;
};

enum class PollOutcome {
  kPending,   // authorization_pending
  kSlowDown,  // slow_down: polled sooner than the interval
  kDenied,    // access_denied
  kExpired,   // expired_token (also after the approval was consumed once)
  kApproved,  // approved, and now consumed: tenant_id/user_id are set
};

struct PollResult {
  PollOutcome outcome = PollOutcome::kPending;
  Id tenant_id{};
  Id user_id{};
  std::string device_name;
};

struct SigningKey {
  std::string kid;
  Bytes sealed_private_key;  // encrypted under the key-encryption key by the caller
  Bytes public_key;
  KeyState state = KeyState::kCurrent;
  TimeMs created_at = 0;
};

struct Invitation {
  Id tenant_id{};
  Id id{};
  Bytes token_hash;  // SHA-256 of the invitation token sent by e-mail
  std::string email;
  Role role = Role::kMember;  // never owner
  Id invited_by{};
  TimeMs created_at = 0;
  TimeMs expires_at = 0;
};

struct TotpSecret {
  Bytes sealed_secret;  // encrypted under the key-encryption key by the caller
  bool enabled = false;
  std::optional<std::int64_t> last_used_step;
};

struct AuditEvent {
  std::int64_t seq = 0;  // assigned by the store, increasing; reused once the outbox is empty
  Bytes event_id;        // 16 bytes (time-ordered) fixed at append (empty for rows queued before migration 0003)
  Id tenant_id{};
  std::string kind;
  Bytes payload;
  TimeMs created_at = 0;
};

}  // namespace bw::auth::store
