// bw::sql — the SQL port services' stores are written against: a Connection runs
// parameterised statements (values are always bound, never spliced into SQL text) and a
// Database lends pooled connections. Two implementations: SQLite (src/sqlite_db.cpp) and
// PostgreSQL (src/pg_db.cpp). Errors carry bw::sql::Errc codes (errors.hpp).
//
// SQL given to a Connection uses `?` placeholders; the PostgreSQL backend rewrites them to
// $1..$n. Values are NULL, 64-bit integers, text or bytes (BLOB / bytea). Booleans are
// stored as 0/1 integers and times as integer milliseconds since the Unix epoch, so both
// dialects read back exactly what was written.
//
// The SQLite backend keeps each connection's prepared statements (keyed by SQL text) and
// reuses them, so a hot statement is parsed once per connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bw/bytes.hpp"
#include "bw/result.hpp"

namespace bw::sql {

enum class Dialect { kSqlite, kPostgres };

using Value = std::variant<std::nullptr_t, std::int64_t, std::string, Bytes>;

// One result row; accessors tolerate NULL (0, "" or empty bytes) — check is_null() first
// where NULL means something.
class Row {
 public:
  explicit Row(std::vector<Value> cols) : cols_(std::move(cols)) {}
  bool is_null(std::size_t i) const { return std::holds_alternative<std::nullptr_t>(cols_.at(i)); }
  std::int64_t int64(std::size_t i) const;
  std::string text(std::size_t i) const;
  Bytes bytes(std::size_t i) const;
  bool flag(std::size_t i) const { return int64(i) != 0; }
  std::size_t size() const { return cols_.size(); }

 private:
  std::vector<Value> cols_;
};

using Rows = std::vector<Row>;

// One database session. Not thread-safe; borrowed from a Database by one thread at a time.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // A statement returning rows.
  virtual Result<Rows> query(std::string_view sql, std::span<const Value> params) = 0;
  // A statement returning no rows; the number of rows it changed.
  virtual Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params) = 0;
  // Inserts rows into `table`: `values` holds columns.size() values per row, row after row.
  // As few round trips as the backend allows: PostgreSQL overrides this with COPY … FROM
  // STDIN (text format, one round trip); the default (SQLite) runs multi-row INSERTs of
  // kInsertRowsChunk rows (cached statements). `table` and `columns` are the caller's
  // constants, never input. Errors: as execute() (kConflict for a duplicate key, …);
  // kInternal if values.size() is not a multiple of columns.size().
  virtual Status insert_rows(std::string_view table, std::span<const std::string_view> columns,
                             std::span<const Value> values);
  static constexpr std::size_t kInsertRowsChunk = 50;
  // Several statements without parameters (migrations only).
  virtual Status exec_script(std::string_view sql) = 0;
  // Opens a write transaction (SQLite: BEGIN IMMEDIATE, so writers queue instead of
  // deadlocking on upgrade; PostgreSQL: BEGIN, READ COMMITTED).
  virtual Status begin() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;  // best effort; a broken connection is dropped by the pool
  // False once the session is unusable (lost connection); the pool then discards it.
  virtual bool healthy() const = 0;
};

// A pool of connections. Thread-safe.
class Database {
 public:
  class Lease {
   public:
    Lease(Database* owner, std::unique_ptr<Connection> conn) : owner_(owner), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = delete;
    ~Lease() { if (owner_ && conn_) owner_->give_back(std::move(conn_)); }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    Database* owner_;
    std::unique_ptr<Connection> conn_;
  };

  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // A connection, waiting up to the pool's acquire timeout. Errors: kUnavailable.
  virtual Result<Lease> acquire() = 0;

 protected:
  virtual void give_back(std::unique_ptr<Connection> conn) = 0;
};

struct SqliteOptions {
  std::string path;                // file; created if missing
  int pool_size = 4;
  int busy_timeout_ms = 5000;      // how long a writer waits for the write lock
  int acquire_timeout_ms = 5000;
  // false: synchronous=NORMAL — in WAL mode durable across a process crash, but a power
  // loss can drop the last commits. true: synchronous=FULL — the WAL is synced at every
  // commit, so a commit that returned survives a power loss.
  bool synchronous_full = false;
};

// Opens (and checks) the first connection: WAL journal, busy timeout, foreign keys on.
// Errors: kUnavailable.
Result<std::unique_ptr<Database>> open_sqlite(const SqliteOptions& options);

struct PostgresOptions {
  std::string conninfo;            // libpq URL or key=value; TLS via sslmode/sslrootcert etc.
  int pool_size = 4;
  int statement_timeout_ms = 5000; // SET statement_timeout on every connection
  int connect_timeout_s = 5;
  int acquire_timeout_ms = 5000;
  std::string application_name = "breakwater";  // unless the conninfo sets its own
};

// Opens (and checks) the first connection. Errors: kUnavailable (message without the
// conninfo, which may hold a password).
Result<std::unique_ptr<Database>> open_postgres(const PostgresOptions& options);

// Runs fn inside one write transaction on one pooled connection: commit when fn returns a
// value, roll back when it returns an error (or a commit fails).
template <class T>
Result<T> in_transaction(Database& db, const std::function<Result<T>(Connection&)>& fn);

}  // namespace bw::sql

#include "bw/sql/db_inl.hpp"
