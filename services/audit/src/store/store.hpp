// Store: the audit service's durable state — per-tenant append-only logs (the leaves of each
// tenant's Merkle tree), signed checkpoints and the checkpoint signing keys.
//
// Contract, for every method:
// - Errors are bw::sql::Errc codes (errors.hpp): kInvalid (refused before reaching the
//   database: a malformed argument), kNotFound, kConflict (a key already exists or the log
//   moved on under the caller), kConstraint (another integrity rule, e.g. an unknown key id),
//   kUnavailable (the database could not be reached, was busy or timed out; retryable),
//   kInternal (a bug). A method that fails has written nothing.
// - Tenant isolation: every read and write names its tenant; nothing of one tenant is ever
//   returned for another (an index or event id of another tenant is kNotFound).
// - Append-only: entries and checkpoints are never updated or deleted — the store has no
//   such method, and database triggers refuse it from anyone else (kConstraint).
// - The store never reads a clock; every time is a parameter. Thread-safe.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "bw/sql/db.hpp"
#include "bw/sql/migrations.hpp"
#include "store/types.hpp"

namespace bw::audit::store {

class Store {
 public:
  virtual ~Store() = default;

  // The number of leaves in the tenant's log (0 for a tenant never seen).
  virtual Result<std::int64_t> tree_size(const TenantId& tenant) = 0;

  // The ids among `event_ids` already in the tenant's log, with their leaf indexes, in no
  // particular order (for idempotent appends). Any number of ids; an id asked for twice may
  // be listed twice.
  virtual Result<std::vector<KnownEvent>> find_events(const TenantId& tenant,
                                                      std::span<const EventId> event_ids) = 0;

  // Appends `rows` (possibly of several tenants) in one transaction. Each row's leaf_index
  // must be exactly its tenant's next index (the tree size before the batch, then +1 per row
  // of that tenant in batch order). Errors: kConflict — an index is not the next one (a gap,
  // a duplicate, or another writer appended first) or an event id is already in the
  // tenant's log; nothing of the batch is written. kInvalid — a negative leaf index. An empty
  // batch is a no-op.
  // Two concurrent appenders can never leave a gap or a duplicate: one of them gets kConflict.
  virtual Status append(std::span<const Entry> rows) = 0;

  // The leaf hashes of leaves [begin, end) in index order. Errors: kInvalid (begin < 0 or
  // begin > end), kNotFound (end > tree_size).
  virtual Result<std::vector<Hash>> leaf_hashes(const TenantId& tenant, std::int64_t begin,
                                                std::int64_t end) = 0;

  // One entry by leaf index / by event id. Errors: kNotFound.
  virtual Result<Entry> entry_at(const TenantId& tenant, std::int64_t leaf_index) = 0;
  virtual Result<Entry> entry_by_event_id(const TenantId& tenant, const EventId& event_id) = 0;

  // A page of the tenant's entries matching `q`, in leaf order after q.after_leaf_index.
  // Errors: kInvalid (limit outside 1..kMaxQueryLimit).
  virtual Result<EntryPage> query(const TenantId& tenant, const EntryQuery& q) = 0;

  // Every tenant with at least one leaf, and its tree size, ordered by tenant id.
  virtual Result<std::vector<TenantSize>> list_tenants() = 0;

  // Records a checkpoint. Errors: kConflict (one already exists for that tenant and
  // tree_size), kInvalid (tree_size < 0 or larger than the tenant's tree size),
  // kConstraint (key_id is not a known signing key).
  virtual Status add_checkpoint(const Checkpoint& checkpoint) = 0;
  // The checkpoint with the largest tree_size. Errors: kNotFound (none yet).
  virtual Result<Checkpoint> latest_checkpoint(const TenantId& tenant) = 0;
  // The checkpoint for exactly `tree_size`. Errors: kNotFound.
  virtual Result<Checkpoint> checkpoint_at(const TenantId& tenant, std::int64_t tree_size) = 0;

  // Adds a signing key (not_after_ms must be unset). Errors: kConflict (key_id taken),
  // kInvalid (empty key_id, not_after_ms set).
  virtual Status add_signing_key(const SigningKey& key) = 0;
  // Sets a current key's not_after_ms, once. Errors: kNotFound (no such key), kConflict
  // (already retired).
  virtual Status retire_signing_key(const std::string& key_id, TimeMs not_after_ms) = 0;
  // Every key, newest (largest not_before_ms) first.
  virtual Result<std::vector<SigningKey>> list_signing_keys() = 0;
};

// Where the audit store lives: PostgreSQL when database_url is set, SQLite otherwise.
struct StoreConfig {
  std::string database_url;                                   // a secret: never logged
  std::string sqlite_path = "/var/lib/breakwater/audit.db";
  int pool_size = 4;
  int statement_timeout_ms = 5000;
};

// Migration history of the audit schema (distinct from other services' in a shared database).
inline constexpr bw::sql::MigrationOptions kMigrationOptions{.history_table = "audit_schema_migrations",
                                                              .advisory_lock_key = 7430001};

// The SQL Store over `db`, migrated beforehand (migrate(db, builtin_migrations(), now,
// kMigrationOptions)).
std::unique_ptr<Store> make_sql_store(std::shared_ptr<bw::sql::Database> db);

// Opens the configured backend (SQLite: WAL, synchronous=FULL), applies pending
// migrations, returns the Store. Errors: kUnavailable, kSchemaTooNew, kInvalid.
Result<std::unique_ptr<Store>> open_store(const StoreConfig& config, TimeMs now);

}  // namespace bw::audit::store
