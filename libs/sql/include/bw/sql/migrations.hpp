// Versioned schema migrations, shared by SQLite and PostgreSQL, for any service.
//
// Guarantees:
// - A service's migrations are its numbered files (NNNN_name.sql), embedded at build time by
//   bw_embed_sql_migrations() (cmake/EmbedMigrations.cmake), applied in order, each in its
//   own transaction together with its row in the history table (version, name, applied_at):
//   a failed migration leaves nothing.
// - Re-running is a no-op. Two processes migrating at once serialise (SQLite: BEGIN
//   IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), and each re-reads the
//   version under the lock.
// - A database whose version is newer than the newest migration this binary knows is
//   refused (kSchemaTooNew): an old binary must not write into a schema it does not know.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "bw/sql/db.hpp"

namespace bw::sql {

struct Migration {
  std::int64_t version;
  std::string_view name;
  std::string_view sql;
};

// Where a service records its history. Two services sharing one database need distinct
// tables (and lock keys); the defaults are the auth service's.
struct MigrationOptions {
  std::string_view history_table = "schema_migrations";  // a constant identifier, never input
  std::int64_t advisory_lock_key = 7410001;               // PostgreSQL pg_advisory_xact_lock
};

// The schema version recorded in the database (0 when empty).
Result<std::int64_t> schema_version(Database& db, const MigrationOptions& options = {});

// Applies the pending `migrations` (ordered by version); `now_ms` is recorded as applied_at.
// Returns the version the database is at afterwards. Errors: kSchemaTooNew, or the
// database's error (the failing migration's name in the message).
Result<std::int64_t> migrate(Database& db, std::span<const Migration> migrations, std::int64_t now_ms,
                             const MigrationOptions& options = {});

// The text of a migration for a dialect:
// - BLOB → BYTEA on PostgreSQL;
// - dialect sections: a line `-- @sqlite` or `-- @postgres` starts text kept only for that
//   dialect, `-- @all` returns to text for both (for what has no portable spelling, e.g.
//   triggers).
std::string adapt_sql(Dialect dialect, std::string_view sql);

}  // namespace bw::sql
