// SQLite backend (C API). Each connection: WAL journal (readers never block the writer),
// busy_timeout (writers queue for the lock instead of failing at once), foreign_keys=ON
// (off by default in SQLite), synchronous=NORMAL (durable across process crashes in WAL) or
// FULL when asked (durable across power loss). Write transactions are BEGIN IMMEDIATE so
// two writers never both hold a read snapshot and then deadlock on the upgrade. Every value
// is bound with sqlite3_bind_*. Prepared statements are cached per connection by SQL text
// and reset after each use.
#include <sqlite3.h>

#include <chrono>
#include <string>
#include <unordered_map>

#include "bw/sql/errors.hpp"
#include "pool.hpp"

namespace bw::sql {
namespace {

// Maps an SQLite result code to our codes; the message is SQLite's own (it names tables
// and columns, never bound values).
Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return make_error(Errc::kConflict, msg);
  if (primary == SQLITE_CONSTRAINT) return make_error(Errc::kConstraint, msg);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_CANTOPEN ||
      primary == SQLITE_IOERR || primary == SQLITE_FULL) {
    return make_error(Errc::kUnavailable, msg);
  }
  return make_error(Errc::kInternal, msg);
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    clear_cache();
    sqlite3_close_v2(db_);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    Rows rows;
    auto rc = run(sql, params, &rows);
    if (!rc) return rc.error();
    return rows;
  }

  Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params) override {
    auto rc = run(sql, params, nullptr);
    if (!rc) return rc.error();
    return static_cast<std::int64_t>(sqlite3_changes(db_));
  }

  Status exec_script(std::string_view sql) override {
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, "script");
    return {};
  }

  Status begin() override { return exec_script("BEGIN IMMEDIATE"); }
  Status commit() override { return exec_script("COMMIT"); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  bool healthy() const override { return sqlite3_get_autocommit(db_) != 0; }

 private:
  Status bind(sqlite3_stmt* st, std::span<const Value> params) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      const Value& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(st, idx);
      } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(st, idx, *n);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text64(st, idx, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else {
        const auto& b = std::get<Bytes>(v);
        // An empty blob must stay an empty blob, not NULL.
        rc = b.empty() ? sqlite3_bind_zeroblob(st, idx, 0)
                       : sqlite3_bind_blob64(st, idx, b.data(), b.size(), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) return sqlite_error(db_, rc, "bind");
    }
    return {};
  }

  static Value column(sqlite3_stmt* st, int i) {
    switch (sqlite3_column_type(st, i)) {
      case SQLITE_INTEGER: return static_cast<std::int64_t>(sqlite3_column_int64(st, i));
      case SQLITE_TEXT: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
      }
      case SQLITE_BLOB: {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, i));
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(st, i));
        return p ? Bytes(p, p + n) : Bytes{};
      }
      case SQLITE_NULL: return nullptr;
      default: return static_cast<std::int64_t>(sqlite3_column_int64(st, i));
    }
  }

  // The cached statement for `sql`, preparing it on first use. The cache is bounded: when
  // full it is emptied (a service has a few dozen distinct statements; this only guards
  // against SQL built with a varying number of placeholders).
  Result<sqlite3_stmt*> prepared(std::string_view sql) {
    if (auto it = cache_.find(std::string(sql)); it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxCached) clear_cache();
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &st, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, "prepare");
    if (!st) return make_error(Errc::kInternal, "prepare: empty statement");
    cache_.emplace(std::string(sql), st);
    return st;
  }

  void clear_cache() {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    cache_.clear();
  }

  Status run(std::string_view sql, std::span<const Value> params, Rows* rows) {
    auto prep = prepared(sql);
    if (!prep) return prep.error();
    sqlite3_stmt* st = *prep;
    // Reset on every path, so a cached statement never holds a read snapshot or bound copies.
    struct Reset { sqlite3_stmt* s; ~Reset() { sqlite3_reset(s); sqlite3_clear_bindings(s); } } guard{st};
    if (sqlite3_bind_parameter_count(st) != static_cast<int>(params.size())) {
      return make_error(Errc::kInternal, "statement parameter count mismatch");
    }
    if (auto s = bind(st, params); !s) return s;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (!rows) continue;
      std::vector<Value> cols;
      const int n = sqlite3_column_count(st);
      cols.reserve(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) cols.push_back(column(st, i));
      rows->emplace_back(std::move(cols));
    }
    if (rc != SQLITE_DONE) return sqlite_error(db_, rc, "step");
    return {};
  }

  static constexpr std::size_t kMaxCached = 128;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

Result<std::unique_ptr<Connection>> connect(const SqliteOptions& options) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  auto conn = std::make_unique<SqliteConnection>(db);  // closes db on every path
  if (rc != SQLITE_OK) return make_error(Errc::kUnavailable, "sqlite open: " + std::string(sqlite3_errstr(rc)));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  auto wal = conn->query("PRAGMA journal_mode=WAL", {});
  if (!wal) return wal.error();
  if (wal->empty() || wal->front().text(0) != "wal") {
    return make_error(Errc::kUnavailable, "sqlite: WAL journal mode not available");
  }
  const std::string pragmas = std::string("PRAGMA foreign_keys=ON; PRAGMA synchronous=") +
                              (options.synchronous_full ? "FULL;" : "NORMAL;");
  if (auto s = conn->exec_script(pragmas); !s) return s.error();
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const SqliteOptions& options) {
  if (options.path.empty()) return make_error(Errc::kInvalid, "sqlite: empty path");
  auto db = std::make_unique<PooledDatabase>(
      Dialect::kSqlite, [options] { return connect(options); }, options.pool_size,
      std::chrono::milliseconds(options.acquire_timeout_ms));
  if (auto first = db->acquire(); !first) return first.error();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace bw::sql
