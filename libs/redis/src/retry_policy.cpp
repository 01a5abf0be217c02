// backoff_delay: capped exponential backoff with equal jitter.
#include "bw/redis/retry_policy.hpp"

#include <algorithm>

namespace bw::redis {

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt,
                                        double unit_random) {
  if (attempt <= 1) return std::chrono::milliseconds(0);
  const long long cap = std::max<long long>(0, policy.max_backoff.count());
  long long ceiling = std::max<long long>(0, policy.base_backoff.count());
  for (int i = 2; i < attempt && ceiling > 0 && ceiling < cap; ++i) ceiling *= 2;  // stops at cap
  ceiling = std::min(ceiling, cap);
  double r = std::clamp(unit_random, 0.0, 1.0);
  auto half = ceiling / 2;
  auto jitter = static_cast<long long>(static_cast<double>(ceiling - half) * r);
  return std::chrono::milliseconds(std::min(half + jitter, cap));
}

}  // namespace bw::redis
