#include "pool.hpp"

#include "bw/sql/errors.hpp"

namespace bw::sql {

PooledDatabase::PooledDatabase(Dialect dialect, Factory factory, int size,
                               std::chrono::milliseconds acquire_timeout)
    : dialect_(dialect), factory_(std::move(factory)), size_(size < 1 ? 1 : size),
      acquire_timeout_(acquire_timeout) {}

Result<Database::Lease> PooledDatabase::acquire() {
  std::unique_lock lock(mu_);
  const bool got = cv_.wait_for(lock, acquire_timeout_, [&] { return !idle_.empty() || open_ < size_; });
  if (!got) return make_error(Errc::kUnavailable, "database pool: no connection free in time");
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  auto made = factory_();
  if (!made) {
    std::lock_guard relock(mu_);
    --open_;
    cv_.notify_one();
    return made.error();
  }
  return Lease(this, std::move(made).value());
}

void PooledDatabase::give_back(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mu_);
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  cv_.notify_one();
}

}  // namespace bw::sql
