// Redis circuit breaker (see circuit_breaker.hpp).
#include "core/circuit_breaker.hpp"

#include <algorithm>

namespace bw::ratelimit {

CircuitBreaker::CircuitBreaker(BreakerPolicy policy, SteadyNow now)
    : policy_(policy), now_(std::move(now)), interval_(policy.initial_open) {}

CircuitBreaker::Admission CircuitBreaker::admit() {
  std::lock_guard lock(mu_);
  if (state_ == State::kClosed) return Admission::kProceed;
  const Time now = now_();
  if (now < until_) return Admission::kReject;
  // Open interval over, or the previous probe never reported: this caller probes.
  state_ = State::kHalfOpen;
  until_ = now + policy_.max_open;
  return Admission::kProbe;
}

bool CircuitBreaker::on_success() {
  std::lock_guard lock(mu_);
  const bool was_open = state_ != State::kClosed;
  state_ = State::kClosed;
  interval_ = policy_.initial_open;
  return was_open;
}

bool CircuitBreaker::on_failure() {
  std::lock_guard lock(mu_);
  const bool trip = state_ == State::kClosed;
  switch (state_) {
    case State::kOpen:
      return false;
    case State::kClosed:
      interval_ = policy_.initial_open;
      ++trips_;
      break;
    case State::kHalfOpen:
      interval_ = std::min(interval_ * 2, policy_.max_open);
      break;
  }
  state_ = State::kOpen;
  until_ = now_() + interval_;
  return trip;
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

std::chrono::milliseconds CircuitBreaker::open_interval() const {
  std::lock_guard lock(mu_);
  return interval_;
}

std::uint64_t CircuitBreaker::trips() const {
  std::lock_guard lock(mu_);
  return trips_;
}

}  // namespace bw::ratelimit
