// LeaseBucket: the local half of a quota lease — tokens granted by breakwater-ratelimit,
// spent here without a round trip. Pure (time is a parameter); QuotaClient wraps it.
//
// Guarantees:
//  - Spending never exceeds what was granted: a bucket only spends tokens of leases it
//    holds, each at most once, and never after the lease's valid_until.
//  - Expired tokens are forfeit (the service already counted them); unspent tokens of
//    valid leases are handed out exactly once by take_unspent(), for ReturnLease.
//  - A refusal from the service (granted 0) is remembered until its retry_after, so a
//    spent limit costs no round trip per call.
// Not thread-safe: the owner serialises access.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace bw::quota {

using Clock = std::chrono::steady_clock;

struct Grant {
  std::int64_t tokens = 0;
  std::string lease_id;   // empty: nothing to return (unlimited, or granted while degraded)
  Clock::time_point valid_until;
};

// Unspent tokens of one lease, for ReturnLease.
struct Unspent {
  std::string lease_id;
  std::int64_t tokens = 0;
};

class LeaseBucket {
 public:
  // Spends n tokens if the valid leases hold them together (oldest lease first).
  bool try_spend(std::int64_t n, Clock::time_point now);
  // Tokens spendable now.
  std::int64_t available(Clock::time_point now) const;
  // Adds a grant from the service (a grant of 0 tokens is ignored; see refuse()).
  void add(Grant grant, Clock::time_point now);
  // Remembers that the service refused until `until`.
  void refuse(Clock::time_point until) { refused_until_ = until; }
  // True while a refusal is remembered.
  bool refused(Clock::time_point now) const { return now < refused_until_; }
  Clock::time_point refused_until() const { return refused_until_; }
  // Removes and returns every valid lease's unspent tokens (those with a lease id);
  // expired leases are dropped. Afterwards the bucket holds nothing.
  std::vector<Unspent> take_unspent(Clock::time_point now);
  // The same for every lease but the newest (which stays): a successor has arrived, so the
  // older leases' tokens go back instead of waiting to be spent or forfeit.
  std::vector<Unspent> take_older_unspent(Clock::time_point now);
  // True when it holds nothing spendable and no refusal is remembered (can be evicted).
  bool idle(Clock::time_point now) const { return available(now) == 0 && !refused(now); }

 private:
  struct Held {
    Grant grant;
    std::int64_t left = 0;
  };
  void drop_expired(Clock::time_point now);

  std::deque<Held> leases_;  // oldest first
  Clock::time_point refused_until_{};
};

}  // namespace bw::quota
