// SqlStore: refresh-token families and rotation.
//
// Rotation is race-free without relying on isolation levels: the presented token is
// marked rotated by `UPDATE … WHERE rotated_at IS NULL`, and only the caller whose UPDATE
// changed one row may insert the successor. A caller that finds the token already rotated
// — a replayed old token, or the loser of a concurrent rotation — revokes the family, as
// OAuth 2.0 Security BCP §4.14 asks: we cannot tell a thief from a legitimate client.
#include <algorithm>

#include "store/sql_store.hpp"

namespace bw::auth::store {
namespace {

Status insert_token(Connection& c, const Id& tenant_id, const Id& family_id, const Value& parent,
                    const NewRefreshToken& t) {
  const Value p[] = {v(t.token_hash), v(tenant_id), v(family_id), parent, v(t.issued_at), v(t.idle_expires_at)};
  auto r = c.execute("INSERT INTO refresh_tokens (token_hash, tenant_id, family_id, parent_hash, issued_at, "
                     "idle_expires_at) VALUES (?, ?, ?, ?, ?, ?)", p);
  if (!r) return r.error();
  return {};
}

Status revoke_family(Connection& c, const Id& tenant_id, const Id& family_id, TimeMs now, std::string_view reason) {
  const Value p[] = {v(now), v(reason), v(tenant_id), v(family_id)};
  auto r = c.execute("UPDATE refresh_families SET revoked_at = ?, revoke_reason = ? "
                     "WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL", p);
  if (!r) return r.error();
  return {};
}

}  // namespace

Status SqlStore::create_refresh_family(const RefreshFamily& f, const NewRefreshToken& first) {
  return in_transaction<void>(*db_, [&](Connection& c) -> Status {
    const Value p[] = {v(f.tenant_id), v(f.id), v(f.user_id), v(f.created_at), v(f.absolute_expires_at),
                       v(f.auth_methods)};
    auto r = c.execute("INSERT INTO refresh_families (tenant_id, id, user_id, created_at, absolute_expires_at, "
                       "auth_methods) VALUES (?, ?, ?, ?, ?, ?)", p);
    if (!r) return r.error();
    return insert_token(c, f.tenant_id, f.id, nullptr, first);
  });
}

Result<RefreshFamily> SqlStore::get_refresh_family(const Id& tenant_id, const Id& family_id) {
  const Value p[] = {v(tenant_id), v(family_id)};
  auto rows = query("SELECT tenant_id, id, user_id, created_at, absolute_expires_at, revoked_at, revoke_reason, "
                    "auth_methods FROM refresh_families WHERE tenant_id = ? AND id = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "refresh family not found");
  const Row& r = rows->front();
  return RefreshFamily{id_at(r, 0), id_at(r, 1), id_at(r, 2), r.int64(3), r.int64(4), opt_time(r, 5), r.text(6),
                       r.text(7)};
}

Result<RotateResult> SqlStore::rotate_refresh_token(const Id& tenant_id, ByteView presented_hash,
                                                    const NewRefreshToken& next, TimeMs now) {
  return in_transaction<RotateResult>(*db_, [&](Connection& c) -> Result<RotateResult> {
    const Value p[] = {v(tenant_id), v(presented_hash)};
    auto rows = c.query("SELECT t.family_id, f.user_id, t.rotated_at, t.idle_expires_at, f.absolute_expires_at, "
                        "f.revoked_at FROM refresh_tokens t JOIN refresh_families f "
                        "ON f.tenant_id = t.tenant_id AND f.id = t.family_id "
                        "WHERE t.tenant_id = ? AND t.token_hash = ?", p);
    if (!rows) return rows.error();
    if (rows->empty()) return make_error(Errc::kNotFound, "refresh token not found");
    const Row& r = rows->front();
    RotateResult out{RotateOutcome::kRotated, id_at(r, 0), id_at(r, 1)};
    if (!r.is_null(5)) return RotateResult{RotateOutcome::kRevoked, out.family_id, out.user_id};
    auto reused = [&]() -> Result<RotateResult> {
      if (auto s = revoke_family(c, tenant_id, out.family_id, now, "reuse"); !s) return s.error();
      return RotateResult{RotateOutcome::kReused, out.family_id, out.user_id};
    };
    if (!r.is_null(2)) return reused();
    if (now >= r.int64(3) || now >= r.int64(4)) {
      return RotateResult{RotateOutcome::kExpired, out.family_id, out.user_id};
    }
    const Value u[] = {v(now), v(tenant_id), v(presented_hash)};
    auto changed = c.execute("UPDATE refresh_tokens SET rotated_at = ? "
                             "WHERE tenant_id = ? AND token_hash = ? AND rotated_at IS NULL", u);
    if (!changed) return changed.error();
    if (*changed != 1) return reused();  // lost a concurrent rotation
    NewRefreshToken bounded = next;      // never outlive the family
    bounded.idle_expires_at = std::min(next.idle_expires_at, r.int64(4));
    if (auto s = insert_token(c, tenant_id, out.family_id, v(presented_hash), bounded); !s) return s.error();
    return out;
  });
}

Status SqlStore::revoke_refresh_family(const Id& tenant_id, const Id& family_id, TimeMs now,
                                       std::string_view reason) {
  const Value p[] = {v(now), v(reason), v(tenant_id), v(family_id)};
  // Idempotent: revoking a revoked family keeps the first time and reason.
  auto changed = execute("UPDATE refresh_families SET revoked_at = COALESCE(revoked_at, ?), "
                         "revoke_reason = COALESCE(revoke_reason, ?) WHERE tenant_id = ? AND id = ?", p);
  return expect_one(changed, "refresh family");
}

}  // namespace bw::auth::store
