#include "bw/sql/migrations.hpp"

#include <regex>
#include <string>

#include "bw/sql/errors.hpp"

namespace bw::sql {
namespace {

std::string create_table_sql(const MigrationOptions& o) {
  return "CREATE TABLE IF NOT EXISTS " + std::string(o.history_table) +
         " (version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
}

// Only migrations take this lock; the key is shared by every replica of one service.
std::string lock_sql(const MigrationOptions& o) {
  return "SELECT pg_advisory_xact_lock(" + std::to_string(o.advisory_lock_key) + ")";
}

Result<std::int64_t> read_version(Connection& conn, const MigrationOptions& o) {
  auto rows = conn.query("SELECT COALESCE(MAX(version), 0) FROM " + std::string(o.history_table), {});
  if (!rows) return rows.error();
  return rows->empty() ? std::int64_t{0} : rows->front().int64(0);
}

Error too_new(std::int64_t have, std::int64_t know) {
  return make_error(Errc::kSchemaTooNew, "database schema version " + std::to_string(have) +
                                             " is newer than this binary's " + std::to_string(know));
}

// One migration in one transaction, if still pending under the lock.
Status apply_one(Connection& conn, const Migration& m, std::int64_t newest, std::int64_t now_ms,
                 const MigrationOptions& o) {
  if (auto s = conn.begin(); !s) return s;
  auto fail = [&](Error e) { conn.rollback(); return Status(std::move(e)); };
  if (conn.dialect() == Dialect::kPostgres) {
    if (auto s = conn.exec_script(lock_sql(o)); !s) return fail(s.error());
  }
  auto have = read_version(conn, o);
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
  const std::string insert =
      "INSERT INTO " + std::string(o.history_table) + " (version, name, applied_at) VALUES (?, ?, ?)";
  if (auto r = conn.execute(insert, params); !r) return fail(r.error());
  return conn.commit();
}

// Keeps the lines of the sections meant for `dialect` (see adapt_sql in the header).
std::string select_sections(Dialect dialect, std::string_view sql) {
  std::string out;
  bool keep = true;
  while (!sql.empty()) {
    const auto eol = sql.find('\n');
    const std::string_view line = sql.substr(0, eol == std::string_view::npos ? sql.size() : eol + 1);
    sql.remove_prefix(line.size());
    if (line.starts_with("-- @sqlite")) keep = dialect == Dialect::kSqlite;
    else if (line.starts_with("-- @postgres")) keep = dialect == Dialect::kPostgres;
    else if (line.starts_with("-- @all")) keep = true;
    else if (keep) out += line;
  }
  return out;
}

}  // namespace

std::string adapt_sql(Dialect dialect, std::string_view sql) {
  std::string text = select_sections(dialect, sql);
  if (dialect == Dialect::kPostgres) text = std::regex_replace(text, std::regex("\\bBLOB\\b"), "BYTEA");
  return text;
}

Result<std::int64_t> schema_version(Database& db, const MigrationOptions& options) {
  auto lease = db.acquire();
  if (!lease) return lease.error();
  if (auto s = (*lease)->exec_script(create_table_sql(options)); !s) return s.error();
  return read_version(**lease, options);
}

Result<std::int64_t> migrate(Database& db, std::span<const Migration> migrations, std::int64_t now_ms,
                             const MigrationOptions& options) {
  const std::int64_t newest = migrations.empty() ? 0 : migrations.back().version;
  auto lease = db.acquire();
  if (!lease) return lease.error();
  Connection& conn = **lease;
  // CREATE TABLE IF NOT EXISTS can race on PostgreSQL's catalog; do it under the lock.
  if (auto s = conn.begin(); !s) return s.error();
  auto fail = [&](Error e) { conn.rollback(); return Result<std::int64_t>(std::move(e)); };
  if (conn.dialect() == Dialect::kPostgres) {
    if (auto s = conn.exec_script(lock_sql(options)); !s) return fail(s.error());
  }
  if (auto s = conn.exec_script(create_table_sql(options)); !s) return fail(s.error());
  if (auto s = conn.commit(); !s) return fail(s.error());

  auto have = read_version(conn, options);
  if (!have) return have.error();
  if (*have > newest) return too_new(*have, newest);
  for (const Migration& m : migrations) {
    if (m.version <= *have) continue;
    if (auto s = apply_one(conn, m, newest, now_ms, options); !s) return s.error();
  }
  return read_version(conn, options);
}

}  // namespace bw::sql
