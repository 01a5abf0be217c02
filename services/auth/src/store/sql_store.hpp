// SqlStore: Store over a Database (either dialect). Internal to auth_store; split by area
// into sql_store_*.cpp. All SQL here is written once, portable, with `?` placeholders.
#pragma once

#include <memory>

#include "store/db.hpp"
#include "store/errors.hpp"
#include "store/store.hpp"

namespace bw::auth::store {

// Value conversions shared by the sql_store_*.cpp files.
inline Value v(const Id& id) { return Bytes(id.begin(), id.end()); }
inline Value v(ByteView b) { return Bytes(b.begin(), b.end()); }
inline Value v(std::string_view s) { return std::string(s); }
inline Value v(std::int64_t n) { return n; }
inline Value v(bool b) { return std::int64_t{b ? 1 : 0}; }
inline Value v(const std::optional<TimeMs>& t) { return t ? Value(*t) : Value(nullptr); }
Id id_at(const Row& row, std::size_t i);
inline std::optional<TimeMs> opt_time(const Row& row, std::size_t i) {
  return row.is_null(i) ? std::nullopt : std::optional<TimeMs>(row.int64(i));
}
// kNotFound when `changed` is 0 (the row is missing or belongs to another tenant).
Status expect_one(const Result<std::int64_t>& changed, std::string_view what);
// The users table's columns in the order user_from() reads them.
inline constexpr std::string_view kUserCols =
    "tenant_id, id, login, email, role, password_phc, revoke_epoch, created_at, disabled_at";
User user_from(const Row& r);
// Inserts a user row on `c` (inside the caller's transaction).
Status insert_user(Connection& c, const User& u);
// Constant-time equality of two hashes.
bool same_hash(ByteView a, ByteView b);

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  Status create_tenant_with_owner(const Tenant& tenant, const User& owner) override;
  Result<Tenant> get_tenant(const Id& tenant_id) override;
  Result<Tenant> find_tenant_by_slug(std::string_view slug) override;
  Status set_mfa_required(const Id& tenant_id, bool required) override;
  Status create_user(const User& user) override;
  Result<User> get_user(const Id& tenant_id, const Id& user_id) override;
  Result<User> find_user_by_login(const Id& tenant_id, std::string_view login) override;
  Result<std::vector<User>> list_users(const Id& tenant_id) override;
  Status set_user_role(const Id& tenant_id, const Id& user_id, Role role) override;
  Status disable_user(const Id& tenant_id, const Id& user_id, TimeMs now) override;
  Result<std::int64_t> update_password(const Id& tenant_id, const Id& user_id, std::string_view password_phc,
                                       TimeMs now) override;
  Result<bool> rehash_password(const Id& tenant_id, const Id& user_id, std::string_view old_phc,
                               std::string_view new_phc) override;
  Result<std::int64_t> bump_revoke_epoch(const Id& tenant_id, const Id& user_id, TimeMs now) override;

  Status create_refresh_family(const RefreshFamily& family, const NewRefreshToken& first) override;
  Result<RefreshFamily> get_refresh_family(const Id& tenant_id, const Id& family_id) override;
  Result<RotateResult> rotate_refresh_token(const Id& tenant_id, ByteView presented_hash,
                                            const NewRefreshToken& next, TimeMs now) override;
  Status revoke_refresh_family(const Id& tenant_id, const Id& family_id, TimeMs now,
                               std::string_view reason) override;

  Status create_device(const Device& device) override;
  Result<Device> get_device(const Id& tenant_id, const Id& device_id) override;
  Result<std::vector<Device>> list_devices(const Id& tenant_id, const Id& user_id) override;
  Status rename_device(const Id& tenant_id, const Id& device_id, std::string_view name) override;
  Status revoke_device(const Id& tenant_id, const Id& device_id, TimeMs now) override;
  Status create_device_token(const Id& tenant_id, const Id& user_id, const Id& device_id, ByteView token_hash,
                             TimeMs now) override;
  Result<Id> check_device_token(const Id& tenant_id, const Id& device_id, ByteView token_hash) override;
  Result<DeviceTokenOwner> find_device_token(ByteView token_hash) override;

  Status create_pairing_offer(const PairingOffer& offer) override;
  Result<ClaimResult> claim_pairing_offer(const Id& tenant_id, const Id& offer_id, const PairingClaim& claim,
                                          TimeMs now) override;
  Result<PairingOfferState> get_pairing_offer(const Id& tenant_id, const Id& offer_id) override;
  Result<Pairing> get_pairing(const Id& tenant_id, const Id& pairing_id) override;
  Status revoke_pairing(const Id& tenant_id, const Id& pairing_id, TimeMs now) override;
  Result<std::vector<Pairing>> list_pairings(const Id& tenant_id, const Id& device_id) override;

  Status create_device_grant(const DeviceGrant& grant) override;
  Status approve_device_grant(std::string_view user_code, const Id& tenant_id, const Id& user_id,
                              TimeMs now) override;
  Status deny_device_grant(std::string_view user_code, TimeMs now) override;
  Result<DeviceGrant> find_pending_device_grant(std::string_view user_code, TimeMs now) override;
  Result<PollResult> poll_device_grant(ByteView device_code_hash, TimeMs now) override;

  Status rotate_signing_key(const SigningKey& next) override;
  Result<std::vector<SigningKey>> active_signing_keys() override;

  Status create_invitation(const Invitation& invitation) override;
  Result<Invitation> find_invitation(const Id& tenant_id, ByteView token_hash, TimeMs now) override;
  Result<User> accept_invitation(const Id& tenant_id, ByteView token_hash, User user, TimeMs now) override;
  Status put_totp_secret(const Id& tenant_id, const Id& user_id, ByteView sealed_secret, TimeMs now) override;
  Result<TotpSecret> get_totp_secret(const Id& tenant_id, const Id& user_id) override;
  Status enable_totp(const Id& tenant_id, const Id& user_id, ByteView expected_sealed) override;
  Status delete_totp(const Id& tenant_id, const Id& user_id) override;
  Result<bool> use_totp_step(const Id& tenant_id, const Id& user_id, std::int64_t step) override;
  Status replace_recovery_codes(const Id& tenant_id, const Id& user_id, const std::vector<Bytes>& code_hashes,
                                TimeMs now) override;
  Result<bool> use_recovery_code(const Id& tenant_id, const Id& user_id, ByteView code_hash, TimeMs now) override;
  Result<bool> append_audit_event(const Id& tenant_id, std::string_view kind, ByteView payload, TimeMs now,
                                  std::int64_t max_events) override;
  Result<std::vector<AuditEvent>> peek_audit_events(int limit) override;
  Status ack_audit_events(std::int64_t up_to_seq) override;
  Status ack_audit_events(const std::vector<AuditEvent>& shipped) override;
  Result<std::int64_t> purge_expired(TimeMs cutoff) override;

 private:
  // One statement outside a transaction.
  Result<Rows> query(std::string_view sql, std::span<const Value> params);
  Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params);
  Result<std::int64_t> revoke_user_sessions(const Id& tenant_id, const Id& user_id, TimeMs now,
                                            std::string_view phc);

  std::shared_ptr<Database> db_;
};

}  // namespace bw::auth::store
