// Store: the auth service's port to its SQL database (DESIGN §7), one interface with one
// SQL implementation over two backends (SQLite, PostgreSQL; see db.hpp).
//
// Contract for every method:
// - Everything that belongs to a tenant is looked up by (tenant_id, id): an id from another
//   tenant is kNotFound, exactly like an id that does not exist.
// - Multi-row changes are one transaction. Race-sensitive transitions (refresh rotation,
//   pairing claims, attempt counting, device-grant approval and consumption) are
//   conditional UPDATEs whose affected-row count decides the outcome, so concurrent
//   callers on any number of replicas get exactly one winner.
// - Times are parameters; the store never reads a clock.
// - Errors are store::Errc values (errors.hpp): kNotFound, kConflict (unique key / lost
//   race), kConstraint, kUnavailable (retryable), kInvalid. Messages never carry secrets.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bw/result.hpp"
#include "store/types.hpp"

namespace bw::auth::store {

class Database;

class Store {
 public:
  virtual ~Store() = default;

  // --- tenants and users
  // The tenant and its first user (role owner) in one transaction. kConflict: slug taken.
  virtual Status create_tenant_with_owner(const Tenant& tenant, const User& owner) = 0;
  virtual Result<Tenant> get_tenant(const Id& tenant_id) = 0;
  virtual Result<Tenant> find_tenant_by_slug(std::string_view slug) = 0;
  virtual Status set_mfa_required(const Id& tenant_id, bool required) = 0;
  // kConflict: login or e-mail already used in that tenant.
  virtual Status create_user(const User& user) = 0;
  virtual Result<User> get_user(const Id& tenant_id, const Id& user_id) = 0;
  virtual Result<User> find_user_by_login(const Id& tenant_id, std::string_view login) = 0;
  // The tenant's users, oldest first.
  virtual Result<std::vector<User>> list_users(const Id& tenant_id) = 0;
  // Changes a role. kConflict when it would leave the tenant without an enabled owner
  // (checked under a lock on the tenant, so two concurrent demotions cannot both pass).
  virtual Status set_user_role(const Id& tenant_id, const Id& user_id, Role role) = 0;
  // Disables the user: disabled_at, epoch + 1 and every refresh family revoked, in one
  // transaction. kConflict for the last enabled owner.
  virtual Status disable_user(const Id& tenant_id, const Id& user_id, TimeMs now) = 0;
  // New password hash, epoch + 1 and every refresh family of the user revoked, in one
  // transaction (a password change ends every session). Returns the new epoch.
  virtual Result<std::int64_t> update_password(const Id& tenant_id, const Id& user_id,
                                               std::string_view password_phc, TimeMs now) = 0;
  // Replaces the hash only if it is still `old_phc` (a re-hash on login with raised
  // parameters: sessions stay). False when the hash changed meanwhile (nothing written).
  virtual Result<bool> rehash_password(const Id& tenant_id, const Id& user_id, std::string_view old_phc,
                                       std::string_view new_phc) = 0;
  // "Sign out everywhere": epoch + 1 and every refresh family revoked. Returns the new epoch.
  virtual Result<std::int64_t> bump_revoke_epoch(const Id& tenant_id, const Id& user_id, TimeMs now) = 0;

  // --- refresh-token families
  virtual Status create_refresh_family(const RefreshFamily& family, const NewRefreshToken& first) = 0;
  virtual Result<RefreshFamily> get_refresh_family(const Id& tenant_id, const Id& family_id) = 0;
  // Rotates the token whose hash is `presented_hash` into `next`. Reuse of an already
  // rotated token (including losing a concurrent rotation) revokes the whole family.
  // kNotFound: no such token in that tenant.
  virtual Result<RotateResult> rotate_refresh_token(const Id& tenant_id, ByteView presented_hash,
                                                    const NewRefreshToken& next, TimeMs now) = 0;
  virtual Status revoke_refresh_family(const Id& tenant_id, const Id& family_id, TimeMs now,
                                       std::string_view reason) = 0;

  // --- devices and device tokens
  virtual Status create_device(const Device& device) = 0;
  virtual Result<Device> get_device(const Id& tenant_id, const Id& device_id) = 0;
  // The user's devices, revoked ones included, oldest first.
  virtual Result<std::vector<Device>> list_devices(const Id& tenant_id, const Id& user_id) = 0;
  virtual Status rename_device(const Id& tenant_id, const Id& device_id, std::string_view name) = 0;
  // Revokes the device, its device tokens and every pairing it is part of.
  virtual Status revoke_device(const Id& tenant_id, const Id& device_id, TimeMs now) = 0;
  virtual Status create_device_token(const Id& tenant_id, const Id& user_id, const Id& device_id,
                                     ByteView token_hash, TimeMs now) = 0;
  // The user the token is bound to, if it is live and bound to this tenant and device.
  virtual Result<Id> check_device_token(const Id& tenant_id, const Id& device_id, ByteView token_hash) = 0;
  // The tenant, user and device of a live token (neither it nor its device revoked, the
  // user enabled), found by its hash alone: the credential decides the tenant.
  // kNotFound otherwise (one answer for unknown, revoked and disabled).
  virtual Result<DeviceTokenOwner> find_device_token(ByteView token_hash) = 0;

  // --- pairing (DESIGN §3)
  virtual Status create_pairing_offer(const PairingOffer& offer) = 0;
  // Checks the code, counts the attempt and records the pairing with the offer's role, all
  // atomically; exactly one claim of an offer can succeed. kNotFound: no such offer.
  virtual Result<ClaimResult> claim_pairing_offer(const Id& tenant_id, const Id& offer_id,
                                                  const PairingClaim& claim, TimeMs now) = 0;
  // The offer with its attempt count and claim time. kNotFound: no such offer in that tenant.
  virtual Result<PairingOfferState> get_pairing_offer(const Id& tenant_id, const Id& offer_id) = 0;
  virtual Result<Pairing> get_pairing(const Id& tenant_id, const Id& pairing_id) = 0;
  virtual Status revoke_pairing(const Id& tenant_id, const Id& pairing_id, TimeMs now) = 0;
  // Every pairing the device takes part in (as agent or client), revoked ones included,
  // oldest first.
  virtual Result<std::vector<Pairing>> list_pairings(const Id& tenant_id, const Id& device_id) = 0;

  // --- device authorization grant (RFC 8628); not tenant-scoped until approved
  virtual Status create_device_grant(const DeviceGrant& grant) = 0;
  // Binds a pending, unexpired grant to the approving user. kNotFound otherwise.
  virtual Status approve_device_grant(std::string_view user_code, const Id& tenant_id, const Id& user_id,
                                      TimeMs now) = 0;
  virtual Status deny_device_grant(std::string_view user_code, TimeMs now) = 0;
  // The pending, unexpired grant of a user code (device name and times; never the device
  // code), so the approving user can see what they approve. kNotFound otherwise.
  virtual Result<DeviceGrant> find_pending_device_grant(std::string_view user_code, TimeMs now) = 0;
  // The token endpoint's poll; an approval is handed out exactly once.
  virtual Result<PollResult> poll_device_grant(ByteView device_code_hash, TimeMs now) = 0;

  // --- JWT signing keys (service-wide)
  // current → previous, previous → retired, `next` becomes current; one transaction.
  virtual Status rotate_signing_key(const SigningKey& next) = 0;
  // Current and previous keys (the JWKS), current first.
  virtual Result<std::vector<SigningKey>> active_signing_keys() = 0;

  // --- invitations
  virtual Status create_invitation(const Invitation& invitation) = 0;
  // The unused, unexpired invitation with that token hash in that tenant (read only, so a
  // caller can check a new password against its e-mail before hashing it). kNotFound
  // otherwise, one answer for missing, used and expired; accept_invitation decides.
  virtual Result<Invitation> find_invitation(const Id& tenant_id, ByteView token_hash, TimeMs now) = 0;
  // Marks the invitation used and creates `user` with the invitation's e-mail and role, in
  // one transaction; exactly one accept can succeed. kNotFound: no such invitation in that
  // tenant, already used or expired (one answer for all three).
  virtual Result<User> accept_invitation(const Id& tenant_id, ByteView token_hash, User user, TimeMs now) = 0;

  // --- TOTP and recovery codes
  // Stores a new, not yet enabled secret (replacing an earlier unfinished enrolment).
  // kConflict: TOTP is already enabled for the user.
  virtual Status put_totp_secret(const Id& tenant_id, const Id& user_id, ByteView sealed_secret, TimeMs now) = 0;
  virtual Result<TotpSecret> get_totp_secret(const Id& tenant_id, const Id& user_id) = 0;
  // Enables the stored secret. With `expected_sealed`, only if the stored, not yet enabled
  // secret is exactly that one (the secret whose code was just checked; a concurrent new
  // enrolment replaced it → kConflict, nothing enabled).
  virtual Status enable_totp(const Id& tenant_id, const Id& user_id, ByteView expected_sealed = {}) = 0;
  // Removes the secret and every recovery code.
  virtual Status delete_totp(const Id& tenant_id, const Id& user_id) = 0;
  // Records `step` as used if it is later than the last used one: true exactly once per
  // step, so a code is usable once even under parallel logins.
  virtual Result<bool> use_totp_step(const Id& tenant_id, const Id& user_id, std::int64_t step) = 0;
  virtual Status replace_recovery_codes(const Id& tenant_id, const Id& user_id, const std::vector<Bytes>& code_hashes,
                                        TimeMs now) = 0;
  // True exactly once per unused code.
  virtual Result<bool> use_recovery_code(const Id& tenant_id, const Id& user_id, ByteView code_hash, TimeMs now) = 0;

  // --- audit outbox (bounded; never blocks a request)
  // Appends unless `max_events` are already waiting: false then (the caller counts the drop).
  // The event gets a 16-byte event_id, its identity for the audit service: time-ordered
  // (bw/time_ordered_id.hpp: `now` in milliseconds, then 74 random bits).
  virtual Result<bool> append_audit_event(const Id& tenant_id, std::string_view kind, ByteView payload, TimeMs now,
                                          std::int64_t max_events) = 0;
  // The oldest `limit` events, by seq.
  virtual Result<std::vector<AuditEvent>> peek_audit_events(int limit) = 0;
  // Deletes every event with seq <= up_to_seq (after the audit service acknowledged them).
  virtual Status ack_audit_events(std::int64_t up_to_seq) = 0;
  // Deletes exactly these events (matched by seq and event_id, so a row written after
  // another replica acked and seq was reused is never deleted by a stale shipment).
  virtual Status ack_audit_events(const std::vector<AuditEvent>& shipped) = 0;

  // --- housekeeping
  // Deletes what expired before `cutoff` (callers pass now - retention): unclaimed pairing
  // offers, device grants, invitations, refresh tokens past their idle expiry, and families
  // past their absolute expiry. Returns the number of rows deleted. Claimed offers stay
  // (their pairings reference them).
  virtual Result<std::int64_t> purge_expired(TimeMs cutoff) = 0;
};

// The SQL Store over `db` (migrated beforehand with migrate()).
std::unique_ptr<Store> make_sql_store(std::shared_ptr<Database> db);

// Configuration (README: auth.database_url, auth.sqlite_path, auth.database_pool_size,
// auth.database_statement_timeout).
struct StoreConfig {
  std::string database_url;  // postgres://… or key=value conninfo; empty → SQLite
  std::string sqlite_path = "/var/lib/breakwater/auth.db";
  int pool_size = 4;
  int statement_timeout_ms = 5000;
};

// Opens the configured database, applies pending migrations and returns the Store.
// Errors: kUnavailable, kSchemaTooNew, kInvalid.
Result<std::unique_ptr<Store>> open_store(const StoreConfig& config, TimeMs now);

}  // namespace bw::auth::store
