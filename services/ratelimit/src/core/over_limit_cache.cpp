// Over-limit key cache (see over_limit_cache.hpp).
#include "core/over_limit_cache.hpp"

#include <algorithm>

namespace bw::ratelimit {

SteadyNow real_steady_clock() {
  return [] { return std::chrono::steady_clock::now(); };
}

OverLimitCache::OverLimitCache(std::size_t capacity, SteadyNow now, std::size_t shards)
    : shard_capacity_(std::max<std::size_t>(1, capacity / std::max<std::size_t>(1, shards))),
      now_(std::move(now)),
      shards_(std::max<std::size_t>(1, shards)) {}

OverLimitCache::Shard& OverLimitCache::shard_of(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

void OverLimitCache::erase(Shard& s, std::map<std::string, Time, std::less<>>::iterator it) {
  s.by_expiry.erase({it->second, it->first});
  s.expiry.erase(it);
}

void OverLimitCache::make_room(Shard& s, Time now, std::size_t limit) {
  while (!s.by_expiry.empty() && s.by_expiry.begin()->first <= now) erase(s, s.expiry.find(s.by_expiry.begin()->second));
  while (s.expiry.size() >= limit) erase(s, s.expiry.find(s.by_expiry.begin()->second));
}

void OverLimitCache::insert(std::string_view key, std::chrono::milliseconds ttl) {
  if (ttl <= std::chrono::milliseconds::zero()) return;
  const Time now = now_();
  const Time until = now + ttl;
  Shard& s = shard_of(key);
  std::lock_guard lock(s.mu);
  if (auto it = s.expiry.find(key); it != s.expiry.end()) {
    if (it->second >= until) return;
    erase(s, it);
  }
  make_room(s, now, shard_capacity_);
  auto [it, inserted] = s.expiry.emplace(std::string(key), until);
  s.by_expiry.emplace(until, it->first);
}

std::optional<std::chrono::milliseconds> OverLimitCache::remaining(std::string_view key) {
  Shard& s = shard_of(key);
  std::lock_guard lock(s.mu);
  auto it = s.expiry.find(key);
  if (it == s.expiry.end()) return std::nullopt;
  const Time now = now_();
  if (it->second <= now) {
    erase(s, it);
    return std::nullopt;
  }
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(it->second - now);
  return std::max(left, std::chrono::milliseconds(1));
}

void OverLimitCache::clear() {
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    s.expiry.clear();
    s.by_expiry.clear();
  }
}

std::size_t OverLimitCache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.expiry.size();
  }
  return n;
}

}  // namespace bw::ratelimit
