// Connection::insert_rows() for backends without a bulk path (SQLite): multi-row INSERTs of
// kInsertRowsChunk rows; every chunk of that size has the same SQL text, so the backend's
// statement cache parses it once.
#include <algorithm>
#include <string>

#include "bw/sql/db.hpp"
#include "bw/sql/errors.hpp"

namespace bw::sql {
namespace {

// "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)" for `rows` rows.
std::string insert_sql(std::string_view table, std::span<const std::string_view> columns, std::size_t rows) {
  std::string one = "(";
  std::string names;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    one += c == 0 ? "?" : ", ?";
    names += (c == 0 ? "" : ", ") + std::string(columns[c]);
  }
  one += ")";
  std::string sql = "INSERT INTO " + std::string(table) + " (" + names + ") VALUES ";
  for (std::size_t r = 0; r < rows; ++r) sql += (r == 0 ? "" : ", ") + one;
  return sql;
}

}  // namespace

Status Connection::insert_rows(std::string_view table, std::span<const std::string_view> columns,
                               std::span<const Value> values) {
  const std::size_t width = columns.size();
  if (width == 0 || values.size() % width != 0) return make_error(Errc::kInternal, "insert_rows: ragged values");
  const std::size_t rows = values.size() / width;
  for (std::size_t at = 0; at < rows; at += kInsertRowsChunk) {
    const std::size_t n = std::min(kInsertRowsChunk, rows - at);
    if (auto r = execute(insert_sql(table, columns, n), values.subspan(at * width, n * width)); !r) return r.error();
  }
  return {};
}

}  // namespace bw::sql
