// Pool: a fixed set of Connections shared by threads. A thread checks one out, uses it
// alone (Connection is single-threaded), and the Lease gives it back when destroyed.
//
// Guarantees: at most `size` connections to the server; a checkout waits at most `wait`
// and then fails with kPoolExhausted instead of blocking forever; a connection that failed
// goes back to the pool as is and reconnects on its next use. Leases must not outlive
// their Pool (checked with an assert in debug builds).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "bw/redis/connection.hpp"
#include "bw/result.hpp"

namespace bw::redis {

class Pool {
 public:
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();  // returns the connection to the pool

    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_; }

   private:
    friend class Pool;
    Lease(Pool* pool, Connection* connection) : pool_(pool), connection_(connection) {}
    void give_back();

    Pool* pool_ = nullptr;
    Connection* connection_ = nullptr;
  };

  // `size` connections with the same options; none connects before its first use.
  Pool(const ConnectionOptions& options, std::size_t size);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A free connection, waiting up to `wait` for one. Error kPoolExhausted on time-out.
  Result<Lease> checkout(std::chrono::milliseconds wait);

  std::size_t size() const { return all_.size(); }
  std::size_t available() const;

 private:
  void put_back(Connection* connection);

  std::vector<std::unique_ptr<Connection>> all_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<Connection*> free_;
};

}  // namespace bw::redis
