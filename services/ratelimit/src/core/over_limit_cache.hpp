// OverLimitCache: counter keys known to be over their limit until their window ends, so a
// request for them is answered OVER_LIMIT without a Redis round trip.
//
// Guarantees:
//  - remaining() answers only for a key inserted with an expiry still in the future of the
//    injected clock; an expired entry is never answered (and is dropped when seen).
//  - Bounded: at most max(capacity, shards) entries in all (capacity / shards per shard).
//    When a shard is full, its expired entries go first, then the entry that expires
//    soonest, so the newest knowledge is kept.
//  - Thread-safe and cheap: keys are spread over `shards` shards, each with its own mutex;
//    every operation is O(log n) of one shard.
// Correctness rests on the caller: insert a key only when Redis said the window holds no
// more hits (remaining == 0, denied) and only for the window's remaining time, so the cache
// can never refuse a request that Redis would have admitted — except after a rule change
// raised the limit, which is why clear() exists (the Limiter calls it on every reload).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bw::ratelimit {

// The monotonic clock, injected so tests never sleep.
using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;
SteadyNow real_steady_clock();

class OverLimitCache {
 public:
  static constexpr std::size_t kShards = 16;

  explicit OverLimitCache(std::size_t capacity = 100'000, SteadyNow now = real_steady_clock(),
                          std::size_t shards = kShards);

  // Remembers `key` as over its limit for `ttl` from now (ttl <= 0: ignored). A key already
  // present gets the later of its two expiries.
  void insert(std::string_view key, std::chrono::milliseconds ttl);
  // The time until `key`'s window ends (>= 1 ms), or nullopt when it is not known over.
  std::optional<std::chrono::milliseconds> remaining(std::string_view key);
  void clear();
  std::size_t size() const;

 private:
  using Time = std::chrono::steady_clock::time_point;
  struct Shard {
    mutable std::mutex mu;
    std::map<std::string, Time, std::less<>> expiry;  // key -> end of its window
    std::set<std::pair<Time, std::string>> by_expiry;   // the same entries, soonest first
  };
  Shard& shard_of(std::string_view key);
  static void erase(Shard& s, std::map<std::string, Time, std::less<>>::iterator it);
  static void make_room(Shard& s, Time now, std::size_t limit);

  std::size_t shard_capacity_;
  SteadyNow now_;
  std::vector<Shard> shards_;
};

}  // namespace bw::ratelimit
