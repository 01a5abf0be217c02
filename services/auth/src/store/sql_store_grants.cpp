// SqlStore: RFC 8628 device authorization grants and the JWT signing keys.
//
// A grant moves pending → approved | denied → consumed, each step a conditional UPDATE on
// the expected status, so an approval is handed to exactly one poll. Polls closer together
// than the interval get slow_down (RFC 8628 §3.5); last_polled_at is kept per grant.
#include "store/sql_store.hpp"

namespace bw::auth::store {
namespace {

KeyState parse_state(std::string_view s) {
  if (s == "current") return KeyState::kCurrent;
  if (s == "previous") return KeyState::kPrevious;
  return KeyState::kRetired;
}

Result<PollResult> poll_in(Connection& c, ByteView code_hash, TimeMs now) {
  const Value key[] = {v(code_hash)};
  auto rows = c.query("SELECT status, tenant_id, user_id, device_name, expires_at, interval_ms, last_polled_at "
                      "FROM device_grants WHERE device_code_hash = ?", key);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "device grant not found");
  const Row& r = rows->front();
  const std::string status = r.text(0);
  PollResult out{PollOutcome::kPending, id_at(r, 1), id_at(r, 2), r.text(3)};
  const Value touch[] = {v(now), v(code_hash)};
  if (auto t = c.execute("UPDATE device_grants SET last_polled_at = ? WHERE device_code_hash = ?", touch); !t) {
    return t.error();
  }
  if (status == "consumed" || now >= r.int64(4)) return PollResult{PollOutcome::kExpired, {}, {}, {}};
  if (status == "denied") return PollResult{PollOutcome::kDenied, {}, {}, {}};
  if (!r.is_null(6) && now - r.int64(6) < r.int64(5)) return PollResult{PollOutcome::kSlowDown, {}, {}, {}};
  if (status == "pending") return PollResult{PollOutcome::kPending, {}, {}, {}};
  const Value p[] = {v(code_hash)};
  auto changed = c.execute("UPDATE device_grants SET status = 'consumed' "
                           "WHERE device_code_hash = ? AND status = 'approved'", p);
  if (!changed) return changed.error();
  if (*changed != 1) return PollResult{PollOutcome::kExpired, {}, {}, {}};
  out.outcome = PollOutcome::kApproved;
  return out;
}

}  // namespace

Status SqlStore::create_device_grant(const DeviceGrant& g) {
  const Value p[] = {v(g.device_code_hash), v(g.user_code), v(g.device_name), v(g.created_at), v(g.expires_at),
                     v(g.interval_ms)};
  auto r = execute("INSERT INTO device_grants (device_code_hash, user_code, device_name, status, created_at, "
                   "expires_at, interval_ms) VALUES (?, ?, ?, 'pending', ?, ?, ?)", p);
  if (!r) return r.error();
  return {};
}

Status SqlStore::approve_device_grant(std::string_view user_code, const Id& tenant_id, const Id& user_id,
                                      TimeMs now) {
  const Value p[] = {v(tenant_id), v(user_id), v(user_code), v(now)};
  return expect_one(execute("UPDATE device_grants SET status = 'approved', tenant_id = ?, user_id = ? "
                            "WHERE user_code = ? AND status = 'pending' AND expires_at > ?", p),
                    "pending device grant");
}

Status SqlStore::deny_device_grant(std::string_view user_code, TimeMs now) {
  const Value p[] = {v(user_code), v(now)};
  return expect_one(execute("UPDATE device_grants SET status = 'denied' "
                            "WHERE user_code = ? AND status = 'pending' AND expires_at > ?", p),
                    "pending device grant");
}

Result<DeviceGrant> SqlStore::find_pending_device_grant(std::string_view user_code, TimeMs now) {
  const Value p[] = {v(user_code), v(now)};
  auto rows = query("SELECT user_code, device_name, created_at, expires_at, interval_ms FROM device_grants "
                    "WHERE user_code = ? AND status = 'pending' AND expires_at > ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "pending device grant not found");
  const Row& r = rows->front();
  return DeviceGrant{{}, r.text(0), r.text(1), r.int64(2), r.int64(3), r.int64(4)};
}

Result<PollResult> SqlStore::poll_device_grant(ByteView device_code_hash, TimeMs now) {
  return in_transaction<PollResult>(*db_, [&](Connection& c) { return poll_in(c, device_code_hash, now); });
}

Status SqlStore::rotate_signing_key(const SigningKey& next) {
  return in_transaction<void>(*db_, [&](Connection& c) -> Status {
    for (std::string_view sql : {"UPDATE signing_keys SET state = 'retired' WHERE state = 'previous'",
                                 "UPDATE signing_keys SET state = 'previous' WHERE state = 'current'"}) {
      if (auto r = c.execute(sql, {}); !r) return r.error();
    }
    const Value p[] = {v(next.kid), v(next.sealed_private_key), v(next.public_key), v(next.created_at)};
    auto r = c.execute("INSERT INTO signing_keys (kid, sealed_private_key, public_key, state, created_at) "
                       "VALUES (?, ?, ?, 'current', ?)", p);
    if (!r) return r.error();
    return {};
  });
}

Result<std::vector<SigningKey>> SqlStore::active_signing_keys() {
  auto rows = query("SELECT kid, sealed_private_key, public_key, state, created_at FROM signing_keys "
                    "WHERE state IN ('current', 'previous') ORDER BY CASE state WHEN 'current' THEN 0 ELSE 1 END", {});
  if (!rows) return rows.error();
  std::vector<SigningKey> out;
  for (const Row& r : *rows) {
    out.push_back(SigningKey{r.text(0), r.bytes(1), r.bytes(2), parse_state(r.text(3)), r.int64(4)});
  }
  return out;
}

}  // namespace bw::auth::store
