#include "store/migrations.hpp"

#include <regex>

#include "store/errors.hpp"

namespace bw::auth::store {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
// Any constant shared by every auth replica; only migrations take it.
constexpr std::string_view kPgLock = "SELECT pg_advisory_xact_lock(7410001)";

Result<std::int64_t> read_version(Connection& conn) {
  auto rows = conn.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
  if (!rows) return rows.error();
  return rows->empty() ? std::int64_t{0} : rows->front().int64(0);
}

Error too_new(std::int64_t have, std::int64_t know) {
  return make_error(Errc::kSchemaTooNew, "database schema version " + std::to_string(have) +
                                             " is newer than this binary's " + std::to_string(know));
}

// One migration in one transaction, if still pending under the lock.
Status apply_one(Connection& conn, const Migration& m, std::int64_t newest, std::int64_t now_ms) {
  if (auto s = conn.begin(); !s) return s;
  auto fail = [&](Error e) { conn.rollback(); return Status(std::move(e)); };
  if (conn.dialect() == Dialect::kPostgres) {
    if (auto s = conn.exec_script(kPgLock); !s) return fail(s.error());
  }
  auto have = read_version(conn);
  if (!have) return fail(have.error());
  if (*have > newest) return fail(too_new(*have, newest));
  if (*have >= m.version) {
    conn.rollback();
    return {};
  }
  if (auto s = conn.exec_script(adapt_sql(conn.dialect(), m.sql)); !s) {
    return fail(make_error(static_cast<Errc>(s.error().code),
                           "migration " + std::string(m.name) + ": " + s.error().message));
  }
  const Value params[] = {m.version, std::string(m.name), now_ms};
  if (auto r = conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", params); !r) {
    return fail(r.error());
  }
  return conn.commit();
}

}  // namespace

std::string adapt_sql(Dialect dialect, std::string_view sql) {
  std::string text(sql);
  if (dialect == Dialect::kPostgres) text = std::regex_replace(text, std::regex("\\bBLOB\\b"), "BYTEA");
  return text;
}

Result<std::int64_t> schema_version(Database& db) {
  auto lease = db.acquire();
  if (!lease) return lease.error();
  if (auto s = (*lease)->exec_script(kCreateTable); !s) return s.error();
  return read_version(**lease);
}

Result<std::int64_t> migrate(Database& db, std::span<const Migration> migrations, std::int64_t now_ms) {
  const std::int64_t newest = migrations.empty() ? 0 : migrations.back().version;
  auto lease = db.acquire();
  if (!lease) return lease.error();
  Connection& conn = **lease;
  // CREATE TABLE IF NOT EXISTS can race on PostgreSQL's catalog; do it under the lock.
  if (auto s = conn.begin(); !s) return s.error();
  if (conn.dialect() == Dialect::kPostgres) {
    if (auto s = conn.exec_script(kPgLock); !s) { conn.rollback(); return s.error(); }
  }
  if (auto s = conn.exec_script(kCreateTable); !s) { conn.rollback(); return s.error(); }
  if (auto s = conn.commit(); !s) { conn.rollback(); return s.error(); }

  auto have = read_version(conn);
  if (!have) return have.error();
  if (*have > newest) return too_new(*have, newest);
  for (const Migration& m : migrations) {
    if (m.version <= *have) continue;
    if (auto s = apply_one(conn, m, newest, now_ms); !s) return s.error();
  }
  return read_version(conn);
}

}  // namespace bw::auth::store
