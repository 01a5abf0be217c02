// Checkpoints, signing keys, and opening the store.
#include "bw/sql/migrations.hpp"
#include "store/migrations.hpp"
#include "store/sql_codec.hpp"
#include "store/sql_store.hpp"

namespace bw::audit::store {
namespace {

using bw::sql::Connection;
using bw::sql::Value;

constexpr std::string_view kCheckpointColumns =
    "SELECT tenant, tree_size, root_hash, timestamp_ms, key_id, signature FROM audit_checkpoints ";

Result<Checkpoint> one_checkpoint(Result<bw::sql::Rows> rows) {
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(Errc::kNotFound, "checkpoint not found");
  const auto& r = rows->front();
  return Checkpoint{codec::fixed<16>(r, 0), r.int64(1), codec::fixed<32>(r, 2), r.int64(3), r.text(4), r.bytes(5)};
}

}  // namespace

Status SqlStore::add_checkpoint(const Checkpoint& c) {
  if (c.tree_size < 0) return make_error(Errc::kInvalid, "checkpoint: negative tree_size");
  auto done = bw::sql::in_transaction<bool>(*db_, [&](Connection& conn) -> Result<bool> {
    const Value t[] = {codec::blob(c.tenant)};
    auto size = conn.query("SELECT tree_size FROM audit_trees WHERE tenant = ?", t);
    if (!size) return size.error();
    const std::int64_t have = size->empty() ? 0 : size->front().int64(0);
    if (c.tree_size > have) return make_error(Errc::kInvalid, "checkpoint: tree_size beyond the tree");
    const Value p[] = {codec::blob(c.tenant), c.tree_size, codec::blob(c.root_hash), c.timestamp_ms, c.key_id,
                       c.signature};
    auto r = conn.execute("INSERT INTO audit_checkpoints (tenant, tree_size, root_hash, timestamp_ms, key_id, "
                          "signature) VALUES (?, ?, ?, ?, ?, ?)",
                          p);
    if (!r) return r.error();
    return true;
  });
  if (!done) return done.error();
  return {};
}

Result<Checkpoint> SqlStore::latest_checkpoint(const TenantId& tenant) {
  const Value p[] = {codec::blob(tenant)};
  return one_checkpoint(read(std::string(kCheckpointColumns) + "WHERE tenant = ? ORDER BY tree_size DESC LIMIT 1", p));
}

Result<Checkpoint> SqlStore::checkpoint_at(const TenantId& tenant, std::int64_t tree_size) {
  const Value p[] = {codec::blob(tenant), tree_size};
  return one_checkpoint(read(std::string(kCheckpointColumns) + "WHERE tenant = ? AND tree_size = ?", p));
}

Status SqlStore::add_signing_key(const SigningKey& k) {
  if (k.key_id.empty() || k.not_after_ms) return make_error(Errc::kInvalid, "signing key: empty id or already retired");
  const Value p[] = {k.key_id, k.public_key, k.sealed_private_key, k.not_before_ms};
  auto lease = db_->acquire();
  if (!lease) return lease.error();
  auto r = (*lease)->execute("INSERT INTO audit_signing_keys (key_id, public_key, sealed_private_key, "
                             "not_before_ms, not_after_ms) VALUES (?, ?, ?, ?, NULL)",
                             p);
  if (!r) return r.error();
  return {};
}

Status SqlStore::retire_signing_key(const std::string& key_id, TimeMs not_after_ms) {
  auto lease = db_->acquire();
  if (!lease) return lease.error();
  const Value p[] = {not_after_ms, key_id};
  auto changed = (*lease)->execute(
      "UPDATE audit_signing_keys SET not_after_ms = ? WHERE key_id = ? AND not_after_ms IS NULL", p);
  if (!changed) return changed.error();
  if (*changed == 1) return {};
  const Value k[] = {key_id};
  auto exists = (*lease)->query("SELECT 1 FROM audit_signing_keys WHERE key_id = ?", k);
  if (!exists) return exists.error();
  return exists->empty() ? make_error(Errc::kNotFound, "signing key not found")
                         : make_error(Errc::kConflict, "signing key already retired");
}

Result<std::vector<SigningKey>> SqlStore::list_signing_keys() {
  auto rows = read("SELECT key_id, public_key, sealed_private_key, not_before_ms, not_after_ms "
                   "FROM audit_signing_keys ORDER BY not_before_ms DESC, key_id",
                   {});
  if (!rows) return rows.error();
  std::vector<SigningKey> out;
  for (const auto& r : *rows) {
    SigningKey k{r.text(0), r.bytes(1), r.bytes(2), r.int64(3), std::nullopt};
    if (!r.is_null(4)) k.not_after_ms = r.int64(4);
    out.push_back(std::move(k));
  }
  return out;
}

std::unique_ptr<Store> make_sql_store(std::shared_ptr<bw::sql::Database> db) {
  return std::make_unique<SqlStore>(std::move(db));
}

Result<std::unique_ptr<Store>> open_store(const StoreConfig& config, TimeMs now) {
  Result<std::unique_ptr<bw::sql::Database>> db = make_error(Errc::kInvalid, "no database");
  if (!config.database_url.empty()) {
    db = bw::sql::open_postgres({.conninfo = config.database_url, .pool_size = config.pool_size,
                                 .statement_timeout_ms = config.statement_timeout_ms,
                                 .application_name = "breakwater-audit"});
  } else {
    db = bw::sql::open_sqlite({.path = config.sqlite_path, .pool_size = config.pool_size, .synchronous_full = true});
  }
  if (!db) return db.error();
  std::shared_ptr<bw::sql::Database> shared = std::move(db).value();
  if (auto m = bw::sql::migrate(*shared, builtin_migrations(), now, kMigrationOptions); !m) return m.error();
  return make_sql_store(std::move(shared));
}

}  // namespace bw::audit::store
