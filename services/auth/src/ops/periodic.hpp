// PeriodicTask: runs a function every interval on its own thread until stopped. stop()
// wakes the thread at once and joins it; it is idempotent and the destructor calls it.
// The function never runs concurrently with itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace bw::auth::ops {

class PeriodicTask {
 public:
  PeriodicTask() = default;
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // First run after one interval; an interval ≤ 0 or a second start() does nothing.
  void start(std::chrono::milliseconds interval, std::function<void()> task);
  void stop();

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bw::auth::ops
