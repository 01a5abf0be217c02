// PostgreSQL backend (libpq). Every statement goes through PQexecParams with bound values
// (bytea in binary format, integers and text as typed text parameters); `?` placeholders
// are rewritten to $1..$n. Each connection sets statement_timeout, so a stuck query fails
// as kUnavailable instead of holding a pool slot forever. TLS is whatever the conninfo asks
// for (sslmode=verify-full, sslrootcert=...): it is passed to libpq unchanged.
#include <libpq-fe.h>

#include <chrono>
#include <cstring>
#include <string>

#include "bw/sql/errors.hpp"
#include "pool.hpp"

namespace bw::sql {
namespace {

constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;

// `?` → `$n`. Our SQL never has `?` inside literals or identifiers.
std::string rewrite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

// SQLSTATE → our codes; only the primary message is kept (DETAIL can echo key values).
Error pg_error(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = std::string(what) + ": " + (primary ? primary : PQerrorMessage(conn));
  const std::string code = state ? state : "";
  if (code == "23505") return make_error(Errc::kConflict, msg);
  if (code.rfind("23", 0) == 0) return make_error(Errc::kConstraint, msg);
  if (code.empty() || code.rfind("08", 0) == 0 || code == "57014" || code == "40001" ||
      code == "40P01" || code.rfind("53", 0) == 0 || code.rfind("57P", 0) == 0) {
    return make_error(Errc::kUnavailable, msg);
  }
  return make_error(Errc::kInternal, msg);
}

// One value in COPY text format: \N for NULL; backslash, tab, newline and CR escaped;
// bytea as \\x<hex> (the backslash of bytea's \x escaped for COPY).
void copy_field(std::string& out, const Value& v) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (std::holds_alternative<std::nullptr_t>(v)) {
    out += "\\N";
  } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
    out += std::to_string(*n);
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    for (char c : *s) {
      if (c == '\\') out += "\\\\";
      else if (c == '\t') out += "\\t";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else out += c;
    }
  } else {
    out += "\\\\x";
    for (std::uint8_t b : std::get<Bytes>(v)) {
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
}

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  ~PgConnection() override { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<Rows> query(std::string_view sql, std::span<const Value> params) override {
    auto res = run(sql, params);
    if (!res) return res.error();
    Rows rows;
    PGresult* r = res->get();
    const int nrows = PQntuples(r);
    const int ncols = PQnfields(r);
    rows.reserve(static_cast<std::size_t>(nrows));
    for (int i = 0; i < nrows; ++i) {
      std::vector<Value> cols;
      cols.reserve(static_cast<std::size_t>(ncols));
      for (int c = 0; c < ncols; ++c) cols.push_back(cell(r, i, c));
      rows.emplace_back(std::move(cols));
    }
    return rows;
  }

  Result<std::int64_t> execute(std::string_view sql, std::span<const Value> params) override {
    auto res = run(sql, params);
    if (!res) return res.error();
    const char* n = PQcmdTuples(res->get());
    return static_cast<std::int64_t>(n && *n ? std::stoll(n) : 0);
  }

  Status exec_script(std::string_view sql) override {
    const std::string text(sql);
    Res res(PQexec(conn_, text.c_str()));
    const auto st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return pg_error(conn_, res.get(), "script");
    return {};
  }

  // COPY … FROM STDIN in text format: one round trip for every row.
  Status insert_rows(std::string_view table, std::span<const std::string_view> columns,
                     std::span<const Value> values) override {
    const std::size_t width = columns.size();
    if (width == 0 || values.size() % width != 0) return make_error(Errc::kInternal, "insert_rows: ragged values");
    std::string sql = "COPY " + std::string(table) + " (";
    for (std::size_t c = 0; c < width; ++c) sql += (c ? ", " : "") + std::string(columns[c]);
    sql += ") FROM STDIN";
    std::string data;
    for (std::size_t i = 0; i < values.size(); ++i) {
      copy_field(data, values[i]);
      data += (i + 1) % width == 0 ? '\n' : '\t';
    }
    Res start(PQexec(conn_, sql.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) return pg_error(conn_, start.get(), "copy");
    const bool sent = PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) == 1;
    if (PQputCopyEnd(conn_, sent ? nullptr : "client could not send the rows") != 1) {
      return pg_error(conn_, nullptr, "copy end");
    }
    Status out;
    while (PGresult* raw = PQgetResult(conn_)) {  // the COPY's result, then nullptr
      Res res(raw);
      if (out.ok() && PQresultStatus(raw) != PGRES_COMMAND_OK) out = pg_error(conn_, raw, "copy");
    }
    return out;
  }

  Status begin() override { return exec_script("BEGIN"); }
  Status commit() override { return exec_script("COMMIT"); }
  void rollback() override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) PQclear(PQexec(conn_, "ROLLBACK"));
  }
  bool healthy() const override {
    return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  }

 private:
  struct Clear { void operator()(PGresult* r) const { PQclear(r); } };
  using Res = std::unique_ptr<PGresult, Clear>;

  Result<Res> run(std::string_view sql, std::span<const Value> params) {
    const std::string text = rewrite_placeholders(sql);
    const auto n = params.size();
    std::vector<std::string> ints(n);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0), formats(n, 0);
    std::vector<Oid> types(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const Value& v = params[i];
      if (const auto* num = std::get_if<std::int64_t>(&v)) {
        ints[i] = std::to_string(*num);
        values[i] = ints[i].c_str();
        types[i] = kInt8Oid;
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        values[i] = s->c_str();
        types[i] = kTextOid;
      } else if (const auto* b = std::get_if<Bytes>(&v)) {
        values[i] = b->empty() ? "" : reinterpret_cast<const char*>(b->data());
        lengths[i] = static_cast<int>(b->size());
        formats[i] = 1;
        types[i] = kByteaOid;
      }
    }
    Res res(PQexecParams(conn_, text.c_str(), static_cast<int>(n), types.data(), values.data(),
                         lengths.data(), formats.data(), 0));
    const auto st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return pg_error(conn_, res.get(), "statement");
    return res;
  }

  static Value cell(PGresult* r, int row, int col) {
    if (PQgetisnull(r, row, col)) return nullptr;
    const char* raw = PQgetvalue(r, row, col);
    const Oid type = PQftype(r, col);
    if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid) return static_cast<std::int64_t>(std::stoll(raw));
    if (type == kByteaOid) {
      std::size_t len = 0;
      unsigned char* un = PQunescapeBytea(reinterpret_cast<const unsigned char*>(raw), &len);
      Bytes out(un, un + len);
      PQfreemem(un);
      return out;
    }
    return std::string(raw, static_cast<std::size_t>(PQgetlength(r, row, col)));
  }

  PGconn* conn_;
};

Result<std::unique_ptr<Connection>> connect(const PostgresOptions& options) {
  // Our defaults first; the conninfo (expanded from "dbname") comes last, so whatever it
  // sets itself (connect_timeout, application_name, sslmode, …) wins.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const std::string timeout = std::to_string(options.connect_timeout_s);
  const char* vals[] = {timeout.c_str(), options.application_name.c_str(), options.conninfo.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
  auto conn = std::make_unique<PgConnection>(raw);
  if (!raw || PQstatus(raw) != CONNECTION_OK) {
    // PQerrorMessage names host and port, never the password.
    return make_error(Errc::kUnavailable, std::string("postgres connect: ") + (raw ? PQerrorMessage(raw) : "out of memory"));
  }
  const std::string set = "SET statement_timeout = " + std::to_string(options.statement_timeout_ms) +
                          "; SET TIME ZONE 'UTC'";  // integer ms only, never user text
  if (auto s = conn->exec_script(set); !s) return s.error();
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const PostgresOptions& options) {
  if (options.conninfo.empty()) return make_error(Errc::kInvalid, "postgres: empty database_url");
  auto db = std::make_unique<PooledDatabase>(
      Dialect::kPostgres, [options] { return connect(options); }, options.pool_size,
      std::chrono::milliseconds(options.acquire_timeout_ms));
  if (auto first = db->acquire(); !first) return first.error();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace bw::sql
