// SqlStore: tenants and users, plus the shared helpers and open_store().
#include <openssl/crypto.h>

#include "store/migrations.hpp"
#include "store/sql_store.hpp"

namespace bw::auth::store {
namespace {

Tenant tenant_from(const Row& r) {
  return Tenant{id_at(r, 0), r.text(1), r.text(2), r.flag(3), r.int64(4)};
}

}  // namespace

User user_from(const Row& r) {
  User u;
  u.tenant_id = id_at(r, 0);
  u.id = id_at(r, 1);
  u.login = r.text(2);
  u.email = r.text(3);
  u.role = parse_role(r.text(4)).value_or(Role::kViewer);
  u.password_phc = r.text(5);
  u.revoke_epoch = r.int64(6);
  u.created_at = r.int64(7);
  u.disabled_at = opt_time(r, 8);
  return u;
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kOwner: return "owner";
    case Role::kAdmin: return "admin";
    case Role::kMember: return "member";
    case Role::kViewer: return "viewer";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view name) {
  if (name == "owner") return Role::kOwner;
  if (name == "admin") return Role::kAdmin;
  if (name == "member") return Role::kMember;
  if (name == "viewer") return Role::kViewer;
  return std::nullopt;
}

Status insert_user(Connection& c, const User& u) {
  const Value p[] = {v(u.tenant_id), v(u.id), v(u.login), v(u.email), v(role_name(u.role)),
                     v(u.password_phc), v(u.revoke_epoch), v(u.created_at), v(u.disabled_at)};
  auto r = c.execute("INSERT INTO users (tenant_id, id, login, email, role, password_phc, revoke_epoch, "
                     "created_at, disabled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", p);
  if (!r) return r.error();
  return {};
}

Id id_at(const Row& row, std::size_t i) {
  Id id{};
  const Bytes b = row.bytes(i);
  if (b.size() == id.size()) std::copy(b.begin(), b.end(), id.begin());
  return id;
}

Status expect_one(const Result<std::int64_t>& changed, std::string_view what) {
  if (!changed) return changed.error();
  if (*changed == 0) return make_error(Errc::kNotFound, std::string(what) + " not found");
  return {};
}

bool same_hash(ByteView a, ByteView b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<Rows> SqlStore::query(std::string_view sql, std::span<const Value> params) {
  auto lease = db_->acquire();
  if (!lease) return lease.error();
  return (*lease)->query(sql, params);
}

Result<std::int64_t> SqlStore::execute(std::string_view sql, std::span<const Value> params) {
  auto lease = db_->acquire();
  if (!lease) return lease.error();
  return (*lease)->execute(sql, params);
}

Status SqlStore::create_tenant_with_owner(const Tenant& t, const User& owner) {
  if (owner.tenant_id != t.id || owner.role != Role::kOwner) {
    return make_error(Errc::kInvalid, "the first user must be an owner of the new tenant");
  }
  return in_transaction<void>(*db_, [&](Connection& c) -> Status {
    const Value p[] = {v(t.id), v(t.slug), v(t.name), v(t.mfa_required), v(t.created_at)};
    auto r = c.execute("INSERT INTO tenants (id, slug, name, mfa_required, created_at) VALUES (?, ?, ?, ?, ?)", p);
    if (!r) return r.error();
    return insert_user(c, owner);
  });
}

Result<Tenant> SqlStore::get_tenant(const Id& tenant_id) {
  const Value p[] = {v(tenant_id)};
  auto rows = query("SELECT id, slug, name, mfa_required, created_at FROM tenants WHERE id = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "tenant not found");
  return tenant_from(rows->front());
}

Result<Tenant> SqlStore::find_tenant_by_slug(std::string_view slug) {
  const Value p[] = {v(slug)};
  auto rows = query("SELECT id, slug, name, mfa_required, created_at FROM tenants WHERE slug = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "tenant not found");
  return tenant_from(rows->front());
}

Status SqlStore::set_mfa_required(const Id& tenant_id, bool required) {
  const Value p[] = {v(required), v(tenant_id)};
  return expect_one(execute("UPDATE tenants SET mfa_required = ? WHERE id = ?", p), "tenant");
}

Status SqlStore::create_user(const User& user) {
  auto lease = db_->acquire();
  if (!lease) return lease.error();
  return insert_user(**lease, user);
}

Result<User> SqlStore::get_user(const Id& tenant_id, const Id& user_id) {
  const Value p[] = {v(tenant_id), v(user_id)};
  auto rows = query("SELECT " + std::string(kUserCols) + " FROM users WHERE tenant_id = ? AND id = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "user not found");
  return user_from(rows->front());
}

Result<User> SqlStore::find_user_by_login(const Id& tenant_id, std::string_view login) {
  const Value p[] = {v(tenant_id), v(login)};
  auto rows = query("SELECT " + std::string(kUserCols) + " FROM users WHERE tenant_id = ? AND login = ?", p);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "user not found");
  return user_from(rows->front());
}

// Epoch + 1 (and the password when `phc` is not empty) and every live family revoked.
Result<std::int64_t> SqlStore::revoke_user_sessions(const Id& tenant_id, const Id& user_id, TimeMs now,
                                                    std::string_view phc) {
  return in_transaction<std::int64_t>(*db_, [&](Connection& c) -> Result<std::int64_t> {
    const Value p[] = {v(phc), v(phc), v(tenant_id), v(user_id)};
    auto changed = c.execute("UPDATE users SET revoke_epoch = revoke_epoch + 1, "
                             "password_phc = CASE WHEN ? = '' THEN password_phc ELSE ? END "
                             "WHERE tenant_id = ? AND id = ?", p);
    if (auto s = expect_one(changed, "user"); !s) return s.error();
    const Value f[] = {v(now), v(tenant_id), v(user_id)};
    auto fam = c.execute("UPDATE refresh_families SET revoked_at = ?, revoke_reason = 'user_revoked' "
                         "WHERE tenant_id = ? AND user_id = ? AND revoked_at IS NULL", f);
    if (!fam) return fam.error();
    const Value q[] = {v(tenant_id), v(user_id)};
    auto rows = c.query("SELECT revoke_epoch FROM users WHERE tenant_id = ? AND id = ?", q);
    if (!rows) return rows.error();
    return rows->front().int64(0);
  });
}

Result<std::int64_t> SqlStore::update_password(const Id& tenant_id, const Id& user_id,
                                               std::string_view password_phc, TimeMs now) {
  if (password_phc.empty()) return make_error(Errc::kInvalid, "empty password hash");
  return revoke_user_sessions(tenant_id, user_id, now, password_phc);
}

Result<bool> SqlStore::rehash_password(const Id& tenant_id, const Id& user_id, std::string_view old_phc,
                                       std::string_view new_phc) {
  if (old_phc.empty() || new_phc.empty()) return make_error(Errc::kInvalid, "empty password hash");
  const Value p[] = {v(new_phc), v(tenant_id), v(user_id), v(old_phc)};
  auto changed = execute("UPDATE users SET password_phc = ? WHERE tenant_id = ? AND id = ? AND password_phc = ?", p);
  if (!changed) return changed.error();
  return *changed == 1;
}

Result<std::int64_t> SqlStore::bump_revoke_epoch(const Id& tenant_id, const Id& user_id, TimeMs now) {
  return revoke_user_sessions(tenant_id, user_id, now, "");
}

std::unique_ptr<Store> make_sql_store(std::shared_ptr<Database> db) {
  return std::make_unique<SqlStore>(std::move(db));
}

Result<std::unique_ptr<Store>> open_store(const StoreConfig& config, TimeMs now) {
  Result<std::unique_ptr<Database>> db = make_error(Errc::kInvalid, "no database");
  if (!config.database_url.empty()) {
    db = open_postgres(PostgresOptions{.conninfo = config.database_url, .pool_size = config.pool_size,
                                       .statement_timeout_ms = config.statement_timeout_ms,
                                       .application_name = "breakwater-auth"});
  } else {
    db = open_sqlite(SqliteOptions{.path = config.sqlite_path, .pool_size = config.pool_size});
  }
  if (!db) return db.error();
  std::shared_ptr<Database> shared = std::move(db).value();
  if (auto m = migrate(*shared, builtin_migrations(), now); !m) return m.error();
  return make_sql_store(std::move(shared));
}

}  // namespace bw::auth::store
