// Local lease accounting (see bucket.hpp).
#include "bw/quota/bucket.hpp"

#include <algorithm>

namespace bw::quota {

void LeaseBucket::drop_expired(Clock::time_point now) {
  std::erase_if(leases_, [now](const Held& h) { return h.left == 0 || now >= h.grant.valid_until; });
}

std::int64_t LeaseBucket::available(Clock::time_point now) const {
  std::int64_t sum = 0;
  for (const Held& h : leases_) {
    if (now < h.grant.valid_until) sum += h.left;
  }
  return sum;
}

bool LeaseBucket::try_spend(std::int64_t n, Clock::time_point now) {
  if (n <= 0) return n == 0;
  drop_expired(now);
  if (available(now) < n) return false;
  for (Held& h : leases_) {
    const std::int64_t take = std::min(h.left, n);
    h.left -= take;
    n -= take;
    if (n == 0) break;
  }
  drop_expired(now);
  return true;
}

void LeaseBucket::add(Grant grant, Clock::time_point now) {
  if (grant.tokens <= 0 || now >= grant.valid_until) return;
  const std::int64_t tokens = grant.tokens;
  leases_.push_back(Held{std::move(grant), tokens});
  refused_until_ = {};
}

std::vector<Unspent> LeaseBucket::take_older_unspent(Clock::time_point now) {
  if (leases_.size() < 2) return {};
  Held newest = std::move(leases_.back());
  leases_.pop_back();
  auto out = take_unspent(now);
  leases_.push_back(std::move(newest));
  return out;
}

std::vector<Unspent> LeaseBucket::take_unspent(Clock::time_point now) {
  std::vector<Unspent> out;
  for (Held& h : leases_) {
    if (now < h.grant.valid_until && h.left > 0 && !h.grant.lease_id.empty()) {
      out.push_back(Unspent{h.grant.lease_id, h.left});
    }
  }
  leases_.clear();
  return out;
}

}  // namespace bw::quota
