// SqlStore: devices, device tokens, pairing offers and pairings.
//
// A pairing claim is one transaction: read the offer, then either count a wrong attempt
// with `attempts = attempts + 1 WHERE attempts < max_attempts` or mark the offer claimed
// with `WHERE claimed_at IS NULL AND attempts < max_attempts AND expires_at > now`; the
// affected-row count decides, so parallel claims and parallel guesses cannot exceed the
// limits. The pairing always takes the offer's role, never one from the claimant.
#include <algorithm>

#include "store/sql_store.hpp"

namespace bw::auth::store {
namespace {

constexpr std::string_view kDeviceCols =
    "tenant_id, id, user_id, kind, name, public_key, created_at, revoked_at";

Device device_from(const Row& r) {
  return Device{id_at(r, 0), id_at(r, 1), id_at(r, 2),
                r.text(3) == "agent" ? DeviceKind::kAgent : DeviceKind::kClient,
                r.text(4), r.bytes(5), r.int64(6), opt_time(r, 7)};
}

std::string_view kind_name(DeviceKind k) { return k == DeviceKind::kAgent ? "agent" : "client"; }

Result<ClaimResult> count_wrong_attempt(Connection& c, const Id& tenant_id, const Id& offer_id, int left) {
  const Value p[] = {v(tenant_id), v(offer_id)};
  auto changed = c.execute("UPDATE pairing_offers SET attempts = attempts + 1 WHERE tenant_id = ? AND id = ? "
                           "AND claimed_at IS NULL AND attempts < max_attempts", p);
  if (!changed) return changed.error();
  if (*changed == 0) return ClaimResult{ClaimOutcome::kAttemptsExhausted, 0, std::nullopt};
  return ClaimResult{ClaimOutcome::kWrongCode, left - 1, std::nullopt};
}

// The agent must still be live, and the claimant a live client device of the claiming user
// (both in this tenant). kInvalid otherwise; nothing is counted or recorded.
Status check_claimant(Connection& c, const Id& tenant_id, const Id& agent_id, const PairingClaim& claim) {
  const Value p[] = {v(tenant_id), v(agent_id), v(claim.client_device_id)};
  auto rows = c.query("SELECT id, kind, user_id FROM devices WHERE tenant_id = ? AND id IN (?, ?) "
                      "AND revoked_at IS NULL", p);
  if (!rows) return rows.error();
  bool agent_live = false, client_ok = false;
  for (const Row& d : *rows) {
    if (id_at(d, 0) == agent_id && d.text(1) == "agent") agent_live = true;
    if (id_at(d, 0) == claim.client_device_id && d.text(1) == "client" && id_at(d, 2) == claim.client_user_id) {
      client_ok = true;
    }
  }
  if (!agent_live || !client_ok) {
    return make_error(Errc::kInvalid, "pairing needs a live agent and a live client device of the claimant");
  }
  return {};
}

Result<ClaimResult> claim_in(Connection& c, const Id& tenant_id, const Id& offer_id, const PairingClaim& claim,
                             TimeMs now) {
  const Value key[] = {v(tenant_id), v(offer_id)};
  auto rows = c.query("SELECT agent_device_id, role, code_hash, expires_at, attempts, max_attempts, claimed_at "
                      "FROM pairing_offers WHERE tenant_id = ? AND id = ?", key);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "pairing offer not found");
  const Row& r = rows->front();
  const auto attempts = r.int64(4), max_attempts = r.int64(5);
  const int left = static_cast<int>(std::max<std::int64_t>(0, max_attempts - attempts));
  if (!r.is_null(6)) return ClaimResult{ClaimOutcome::kAlreadyClaimed, left, std::nullopt};
  if (now >= r.int64(3)) return ClaimResult{ClaimOutcome::kExpired, left, std::nullopt};
  if (attempts >= max_attempts) return ClaimResult{ClaimOutcome::kAttemptsExhausted, 0, std::nullopt};
  if (!same_hash(r.bytes(2), claim.code_hash)) {
    return count_wrong_attempt(c, tenant_id, offer_id, left);
  }
  if (auto s = check_claimant(c, tenant_id, id_at(r, 0), claim); !s) return s.error();
  const Value p[] = {v(now), v(tenant_id), v(offer_id), v(now)};
  auto changed = c.execute("UPDATE pairing_offers SET claimed_at = ? WHERE tenant_id = ? AND id = ? "
                           "AND claimed_at IS NULL AND attempts < max_attempts AND expires_at > ?", p);
  if (!changed) return changed.error();
  if (*changed == 0) return ClaimResult{ClaimOutcome::kAlreadyClaimed, left, std::nullopt};
  Pairing pairing{tenant_id, offer_id, id_at(r, 0), claim.client_device_id, claim.client_user_id,
                  parse_role(r.text(1)).value_or(Role::kViewer), claim.client_public_key, now, std::nullopt};
  const Value ins[] = {v(tenant_id), v(offer_id), v(pairing.agent_device_id), v(pairing.client_device_id),
                       v(pairing.client_user_id), v(role_name(pairing.role)), v(pairing.client_public_key), v(now)};
  auto added = c.execute("INSERT INTO pairings (tenant_id, id, agent_device_id, client_device_id, client_user_id, "
                         "role, client_public_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ins);
  if (!added) return added.error();
  return ClaimResult{ClaimOutcome::kClaimed, left, std::move(pairing)};
}

}  // namespace

Status SqlStore::create_device(const Device& d) {
  const Value p[] = {v(d.tenant_id), v(d.id), v(d.user_id), v(kind_name(d.kind)), v(d.name),
                     v(d.public_key), v(d.created_at), v(d.revoked_at)};
  auto r = execute("INSERT INTO devices (" + std::string(kDeviceCols) + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)", p);
  if (!r) return r.error();
  return {};
}

Result<Device> SqlStore::get_device(const Id& tenant_id, const Id& device_id) {
  const Value p[] = {v(tenant_id), v(device_id)};
  auto rows = query("SELECT " + std::string(kDeviceCols) + " FROM devices WHERE tenant_id = ? AND id = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "device not found");
  return device_from(rows->front());
}

Result<std::vector<Device>> SqlStore::list_devices(const Id& tenant_id, const Id& user_id) {
  const Value p[] = {v(tenant_id), v(user_id)};
  auto rows = query("SELECT " + std::string(kDeviceCols) +
                    " FROM devices WHERE tenant_id = ? AND user_id = ? ORDER BY created_at, id", p);
  if (!rows) return rows.error();
  std::vector<Device> out;
  for (const Row& r : *rows) out.push_back(device_from(r));
  return out;
}

Status SqlStore::rename_device(const Id& tenant_id, const Id& device_id, std::string_view name) {
  const Value p[] = {v(name), v(tenant_id), v(device_id)};
  return expect_one(execute("UPDATE devices SET name = ? WHERE tenant_id = ? AND id = ?", p), "device");
}

Status SqlStore::revoke_device(const Id& tenant_id, const Id& device_id, TimeMs now) {
  return in_transaction<void>(*db_, [&](Connection& c) -> Status {
    const Value p[] = {v(now), v(tenant_id), v(device_id)};
    auto d = c.execute("UPDATE devices SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant_id = ? AND id = ?", p);
    if (auto s = expect_one(d, "device"); !s) return s;
    auto t = c.execute("UPDATE device_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND tenant_id = ? "
                       "AND device_id = ?", p);
    if (!t) return t.error();
    const Value q[] = {v(now), v(tenant_id), v(device_id), v(device_id)};
    auto pr = c.execute("UPDATE pairings SET revoked_at = ? WHERE revoked_at IS NULL AND tenant_id = ? "
                        "AND (agent_device_id = ? OR client_device_id = ?)", q);
    if (!pr) return pr.error();
    return {};
  });
}

Status SqlStore::create_device_token(const Id& tenant_id, const Id& user_id, const Id& device_id,
                                     ByteView token_hash, TimeMs now) {
  const Value p[] = {v(token_hash), v(tenant_id), v(user_id), v(device_id), v(now)};
  auto r = execute("INSERT INTO device_tokens (token_hash, tenant_id, user_id, device_id, created_at) "
                   "VALUES (?, ?, ?, ?, ?)", p);
  if (!r) return r.error();
  return {};
}

Result<Id> SqlStore::check_device_token(const Id& tenant_id, const Id& device_id, ByteView token_hash) {
  const Value p[] = {v(tenant_id), v(device_id), v(token_hash)};
  auto rows = query("SELECT t.user_id FROM device_tokens t JOIN devices d "
                    "ON d.tenant_id = t.tenant_id AND d.id = t.device_id "
                    "WHERE t.tenant_id = ? AND t.device_id = ? AND t.token_hash = ? "
                    "AND t.revoked_at IS NULL AND d.revoked_at IS NULL", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "device token not found");
  return id_at(rows->front(), 0);
}

Result<DeviceTokenOwner> SqlStore::find_device_token(ByteView token_hash) {
  const Value p[] = {v(token_hash)};
  auto rows = query("SELECT t.tenant_id, t.user_id, t.device_id, d.kind FROM device_tokens t "
                    "JOIN devices d ON d.tenant_id = t.tenant_id AND d.id = t.device_id "
                    "JOIN users u ON u.tenant_id = t.tenant_id AND u.id = t.user_id "
                    "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND d.revoked_at IS NULL "
                    "AND u.disabled_at IS NULL", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "device token not found");
  const Row& r = rows->front();
  return DeviceTokenOwner{id_at(r, 0), id_at(r, 1), id_at(r, 2),
                          r.text(3) == "client" ? DeviceKind::kClient : DeviceKind::kAgent};
}

Status SqlStore::create_pairing_offer(const PairingOffer& o) {
  if (o.role == Role::kOwner) return make_error(Errc::kInvalid, "a pairing cannot grant owner");
  const Value p[] = {v(o.tenant_id), v(o.id), v(o.agent_device_id), v(role_name(o.role)), v(o.code_hash),
                     v(o.created_at), v(o.expires_at), v(std::int64_t{o.max_attempts})};
  auto r = execute("INSERT INTO pairing_offers (tenant_id, id, agent_device_id, role, code_hash, created_at, "
                   "expires_at, max_attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", p);
  if (!r) return r.error();
  return {};
}

Result<ClaimResult> SqlStore::claim_pairing_offer(const Id& tenant_id, const Id& offer_id,
                                                  const PairingClaim& claim, TimeMs now) {
  return in_transaction<ClaimResult>(*db_, [&](Connection& c) { return claim_in(c, tenant_id, offer_id, claim, now); });
}

Result<PairingOfferState> SqlStore::get_pairing_offer(const Id& tenant_id, const Id& offer_id) {
  const Value p[] = {v(tenant_id), v(offer_id)};
  auto rows = query("SELECT agent_device_id, role, code_hash, created_at, expires_at, max_attempts, attempts, "
                    "claimed_at FROM pairing_offers WHERE tenant_id = ? AND id = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "pairing offer not found");
  const Row& r = rows->front();
  PairingOffer o{tenant_id, offer_id, id_at(r, 0), parse_role(r.text(1)).value_or(Role::kViewer), r.bytes(2),
                 r.int64(3), r.int64(4), static_cast<int>(r.int64(5))};
  return PairingOfferState{std::move(o), static_cast<int>(r.int64(6)), opt_time(r, 7)};
}

Result<Pairing> SqlStore::get_pairing(const Id& tenant_id, const Id& pairing_id) {
  const Value p[] = {v(tenant_id), v(pairing_id)};
  auto rows = query("SELECT tenant_id, id, agent_device_id, client_device_id, client_user_id, role, "
                    "client_public_key, created_at, revoked_at FROM pairings WHERE tenant_id = ? AND id = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "pairing not found");
  const Row& r = rows->front();
  return Pairing{id_at(r, 0), id_at(r, 1), id_at(r, 2), id_at(r, 3), id_at(r, 4),
                 parse_role(r.text(5)).value_or(Role::kViewer), r.bytes(6), r.int64(7), opt_time(r, 8)};
}

Result<std::vector<Pairing>> SqlStore::list_pairings(const Id& tenant_id, const Id& device_id) {
  const Value p[] = {v(tenant_id), v(device_id), v(device_id)};
  auto rows = query("SELECT tenant_id, id, agent_device_id, client_device_id, client_user_id, role, "
                    "client_public_key, created_at, revoked_at FROM pairings "
                    "WHERE tenant_id = ? AND (agent_device_id = ? OR client_device_id = ?) ORDER BY created_at, id", p);
  if (!rows) return rows.error();
  std::vector<Pairing> out;
  for (const Row& r : *rows) {
    out.push_back(Pairing{id_at(r, 0), id_at(r, 1), id_at(r, 2), id_at(r, 3), id_at(r, 4),
                          parse_role(r.text(5)).value_or(Role::kViewer), r.bytes(6), r.int64(7), opt_time(r, 8)});
  }
  return out;
}

Status SqlStore::revoke_pairing(const Id& tenant_id, const Id& pairing_id, TimeMs now) {
  const Value p[] = {v(now), v(tenant_id), v(pairing_id)};
  return expect_one(execute("UPDATE pairings SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant_id = ? AND id = ?", p),
                    "pairing");
}

}  // namespace bw::auth::store
