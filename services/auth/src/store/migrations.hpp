// Versioned schema migrations, shared by SQLite and PostgreSQL.
//
// Guarantees:
// - Migrations are the numbered files in migrations/ (NNNN_name.sql), embedded at build
//   time, applied in order, each in its own transaction together with its row in
//   schema_migrations (version, name, applied_at): a failed migration leaves nothing.
// - Re-running is a no-op. Two processes migrating at once serialise (SQLite: BEGIN
//   IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), and each re-reads the
//   version under the lock.
// - A database whose version is newer than the newest migration this binary knows is
//   refused (kSchemaTooNew): an old binary must not write into a schema it does not know.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "store/db.hpp"

namespace bw::auth::store {

struct Migration {
  std::int64_t version;
  std::string_view name;
  std::string_view sql;
};

// The migrations built into this binary, ordered by version.
std::span<const Migration> builtin_migrations();

// The schema version recorded in the database (0 when empty).
Result<std::int64_t> schema_version(Database& db);

// Applies the pending `migrations`; `now_ms` is recorded as applied_at. Returns the version
// the database is at afterwards. Errors: kSchemaTooNew, or the database's error.
Result<std::int64_t> migrate(Database& db, std::span<const Migration> migrations, std::int64_t now_ms);

// The text of a migration for a dialect (BLOB → BYTEA on PostgreSQL).
std::string adapt_sql(Dialect dialect, std::string_view sql);

}  // namespace bw::auth::store
