// in_transaction(): see db.hpp.
#pragma once

namespace bw::sql {

template <class T>
Result<T> in_transaction(Database& db, const std::function<Result<T>(Connection&)>& fn) {
  auto lease = db.acquire();
  if (!lease) return lease.error();
  Connection& conn = **lease;
  if (auto s = conn.begin(); !s) return s.error();
  Result<T> out = fn(conn);
  if (!out) {
    conn.rollback();
    return out;
  }
  if (auto s = conn.commit(); !s) {
    conn.rollback();
    return s.error();
  }
  return out;
}

}  // namespace bw::sql
