// At most one log line per interval, with the count of lines held back in between, so a
// long audit outage gives one warning a minute instead of one per event or retry.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace bw::auditclient {

class LogLimiter {
 public:
  explicit LogLimiter(std::chrono::milliseconds interval) : interval_(interval) {}

  // If a line may be written now: the number of lines suppressed since the last one.
  // Otherwise nullopt (and this line is counted as suppressed).
  std::optional<std::uint64_t> admit(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    std::lock_guard lock(mu_);
    if (written_ && now - last_ < interval_) {
      ++suppressed_;
      return std::nullopt;
    }
    written_ = true;
    last_ = now;
    const auto n = suppressed_;
    suppressed_ = 0;
    return n;
  }

 private:
  std::mutex mu_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_{};
  bool written_ = false;
  std::uint64_t suppressed_ = 0;
};

}  // namespace bw::auditclient
