// PeriodicTask (periodic.hpp).
#include "ops/periodic.hpp"

namespace bw::auth::ops {

PeriodicTask::~PeriodicTask() { stop(); }

void PeriodicTask::start(std::chrono::milliseconds interval, std::function<void()> task) {
  if (interval.count() <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this, interval, task = std::move(task)] {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      task();
      lock.lock();
    }
  });
}

void PeriodicTask::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace bw::auth::ops
