// SqlStore: listing users, role changes and disabling, with the last owner protected.
//
// "Would this leave no enabled owner?" is a read followed by a write, so it runs with the
// tenant locked: on PostgreSQL `SELECT … FOR UPDATE` on the tenant row (READ COMMITTED
// would otherwise let two demotions each see the other owner); on SQLite the write
// transaction (BEGIN IMMEDIATE) already excludes every other writer.
#include "store/sql_store.hpp"

namespace bw::auth::store {
namespace {

Status lock_tenant(Connection& c, const Id& tenant_id) {
  const Value p[] = {v(tenant_id)};
  const bool pg = c.dialect() == Dialect::kPostgres;
  auto rows = c.query(pg ? "SELECT id FROM tenants WHERE id = ? FOR UPDATE" : "SELECT id FROM tenants WHERE id = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "user not found");
  return {};
}

// The user's role and whether they are enabled; kNotFound if not in the tenant.
Result<std::pair<std::string, bool>> role_of(Connection& c, const Id& tenant_id, const Id& user_id) {
  const Value p[] = {v(tenant_id), v(user_id)};
  auto rows = c.query("SELECT role, disabled_at FROM users WHERE tenant_id = ? AND id = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "user not found");
  return std::make_pair(rows->front().text(0), rows->front().is_null(1));
}

// kConflict when `user_id` is an enabled owner and the only one.
Status not_last_owner(Connection& c, const Id& tenant_id, const Id& user_id) {
  auto current = role_of(c, tenant_id, user_id);
  if (!current) return current.error();
  if (current->first != "owner" || !current->second) return {};
  const Value p[] = {v(tenant_id)};
  auto rows = c.query("SELECT COUNT(*) FROM users WHERE tenant_id = ? AND role = 'owner' AND disabled_at IS NULL", p);
  if (!rows) return rows.error();
  if (rows->front().int64(0) <= 1) return make_error(Errc::kConflict, "the last owner of a tenant must stay");
  return {};
}

}  // namespace

Result<std::vector<User>> SqlStore::list_users(const Id& tenant_id) {
  const Value p[] = {v(tenant_id)};
  auto rows = query("SELECT " + std::string(kUserCols) + " FROM users WHERE tenant_id = ? ORDER BY created_at, id", p);
  if (!rows) return rows.error();
  std::vector<User> out;
  for (const Row& r : *rows) out.push_back(user_from(r));
  return out;
}

Status SqlStore::set_user_role(const Id& tenant_id, const Id& user_id, Role role) {
  return in_transaction<void>(*db_, [&](Connection& c) -> Status {
    if (auto s = lock_tenant(c, tenant_id); !s) return s;
    if (role != Role::kOwner) {
      if (auto s = not_last_owner(c, tenant_id, user_id); !s) return s;
    }
    const Value p[] = {v(role_name(role)), v(tenant_id), v(user_id)};
    return expect_one(c.execute("UPDATE users SET role = ? WHERE tenant_id = ? AND id = ?", p), "user");
  });
}

Status SqlStore::disable_user(const Id& tenant_id, const Id& user_id, TimeMs now) {
  return in_transaction<void>(*db_, [&](Connection& c) -> Status {
    if (auto s = lock_tenant(c, tenant_id); !s) return s;
    if (auto s = not_last_owner(c, tenant_id, user_id); !s) return s;
    const Value p[] = {v(now), v(tenant_id), v(user_id)};
    auto changed = c.execute("UPDATE users SET disabled_at = COALESCE(disabled_at, ?), revoke_epoch = revoke_epoch + 1 "
                             "WHERE tenant_id = ? AND id = ?", p);
    if (auto s = expect_one(changed, "user"); !s) return s;
    auto fam = c.execute("UPDATE refresh_families SET revoked_at = ?, revoke_reason = 'user_disabled' "
                         "WHERE tenant_id = ? AND user_id = ? AND revoked_at IS NULL", p);
    if (!fam) return fam.error();
    return {};
  });
}

}  // namespace bw::auth::store
