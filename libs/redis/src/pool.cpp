// Pool: a mutex-guarded free list and a condition variable for waiting checkouts.
#include "bw/redis/pool.hpp"

#include <cassert>
#include <utility>

#include "bw/redis/errors.hpp"

namespace bw::redis {

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::exchange(other.connection_, nullptr)) {}

Pool::Lease& Pool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    give_back();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::exchange(other.connection_, nullptr);
  }
  return *this;
}

Pool::Lease::~Lease() { give_back(); }

void Pool::Lease::give_back() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->put_back(connection_);
  pool_ = nullptr;
  connection_ = nullptr;
}

Pool::Pool(const ConnectionOptions& options, std::size_t size) {
  all_.reserve(size);
  free_.reserve(size);
  for (std::size_t i = 0; i < size; ++i) {
    all_.push_back(std::make_unique<Connection>(options));
    free_.push_back(all_.back().get());
  }
}

Pool::~Pool() {
  std::lock_guard lock(mutex_);
  assert(free_.size() == all_.size() && "a Pool::Lease outlived its Pool");
}

Result<Pool::Lease> Pool::checkout(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  if (!returned_.wait_for(lock, wait, [&] { return !free_.empty(); })) {
    return make_error(Errc::kPoolExhausted, "no free Redis connection within " +
                                                std::to_string(wait.count()) + " ms (pool of " +
                                                std::to_string(all_.size()) + ")");
  }
  Connection* connection = free_.back();
  free_.pop_back();
  return Lease(this, connection);
}

std::size_t Pool::available() const {
  std::lock_guard lock(mutex_);
  return free_.size();
}

void Pool::put_back(Connection* connection) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(connection);
  }
  returned_.notify_one();
}

}  // namespace bw::redis
