// SqlStore: the Store over the bw::sql port (SQLite or PostgreSQL), split by area:
// sql_store_append.cpp (tree sizes, idempotency lookups, append), sql_store_read.cpp
// (leaf hashes, entries, queries, tenants), sql_store_checkpoints.cpp (checkpoints, keys,
// open_store). Row mapping helpers are in sql_codec.hpp.
#pragma once

#include <memory>

#include "bw/sql/db.hpp"
#include "store/errors.hpp"
#include "store/store.hpp"

namespace bw::audit::store {

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::shared_ptr<bw::sql::Database> db) : db_(std::move(db)) {}

  Result<std::int64_t> tree_size(const TenantId& tenant) override;
  Result<std::vector<KnownEvent>> find_events(const TenantId& tenant, std::span<const EventId> event_ids) override;
  Status append(std::span<const Entry> rows) override;
  Result<std::vector<Hash>> leaf_hashes(const TenantId& tenant, std::int64_t begin, std::int64_t end) override;
  Result<Entry> entry_at(const TenantId& tenant, std::int64_t leaf_index) override;
  Result<Entry> entry_by_event_id(const TenantId& tenant, const EventId& event_id) override;
  Result<EntryPage> query(const TenantId& tenant, const EntryQuery& q) override;
  Result<std::vector<TenantSize>> list_tenants() override;
  Status add_checkpoint(const Checkpoint& checkpoint) override;
  Result<Checkpoint> latest_checkpoint(const TenantId& tenant) override;
  Result<Checkpoint> checkpoint_at(const TenantId& tenant, std::int64_t tree_size) override;
  Status add_signing_key(const SigningKey& key) override;
  Status retire_signing_key(const std::string& key_id, TimeMs not_after_ms) override;
  Result<std::vector<SigningKey>> list_signing_keys() override;

 private:
  // Runs one statement (no transaction) on a pooled connection.
  Result<bw::sql::Rows> read(std::string_view sql, std::span<const bw::sql::Value> params);

  std::shared_ptr<bw::sql::Database> db_;
};

}  // namespace bw::audit::store
