// PooledDatabase: the Database both backends share — up to `size` connections made by a
// factory on demand, lent one thread at a time, discarded when unhealthy.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "bw/sql/db.hpp"

namespace bw::sql {

class PooledDatabase final : public Database {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;
  PooledDatabase(Dialect dialect, Factory factory, int size, std::chrono::milliseconds acquire_timeout);

  Dialect dialect() const override { return dialect_; }
  Result<Lease> acquire() override;

 protected:
  void give_back(std::unique_ptr<Connection> conn) override;

 private:
  Dialect dialect_;
  Factory factory_;
  int size_;
  std::chrono::milliseconds acquire_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // lent + idle
};

}  // namespace bw::sql
