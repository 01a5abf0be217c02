// QuotaClient: what the relay and auth use to ask breakwater-ratelimit's Quota API.
//
// Rate limits by lease: spend() draws on tokens leased for a descriptor and held locally
// (LeaseBucket), so a busy descriptor costs one AcquireLease per lease, not one RPC per
// message. Guarantees:
//  - Across every client, the tokens spent within a limit's window never exceed the limit
//    by more than the outstanding leases' sizes (bounded by the service), and within one
//    window they never exceed it at all: leases are counted by the service when granted.
//  - Lease validity is measured on the monotonic clock from when the request was sent (the
//    service's relative valid_for), so no wall-clock skew can stretch or void a lease; a
//    lease too short to use is returned at once.
//  - A spend larger than one lease draws on several (at most 32 fetches per call).
//  - One lease request per descriptor at a time: concurrent callers that find the bucket
//    empty wait for the same AcquireLease (no stampede).
//  - A refusal (granted 0) is cached until the service's retry_after: no RPC storm.
//  - When the service cannot be reached, spend() answers by Options::fail_open (default
//    closed: refuse) and says the answer was degraded.
//  - return_unspent() (and the destructor) give unspent tokens back with ReturnLease.
//  - Renewal ahead (Options::renew_ahead): a lease is renewed on background threads
//    (four), while spending goes on from it, when a spend leaves it under a quarter of its
//    grant, or when it is 60–80% through its validity (at random, so leases granted together
//    are not renewed together) and was spent from within the last 30% of its validity; then
//    the older lease's unspent tokens are given back (ReturnLease) when the new one arrives — so a steady spender, even a slow one, does not wait for a round trip at
//    each lease; an idle descriptor's lease is left to expire. A renewal asks as spend()
//    would (one fetch per descriptor at a time; the service counts it when granted). A
//    refused or failed renewal is not cached in the bucket (its tokens stay spendable; the
//    next spend that finds it empty asks itself, as before) but pauses renewal ahead for
//    that descriptor until the refusal's retry_after (degraded_retry after an error): no
//    round trip per spend. The destructor cancels renewals in flight.
//  - Borrowing (Options::borrow_when_idle, off by default): a descriptor whose last lease
//    ran out by time with tokens unspent (a device that sends now and then, less often than
//    renewal ahead keeps up with) may spend one token without waiting; its next lease is
//    fetched in the background and the token charged to it (the spend is not reported as
//    degraded). Once per granted lease; never while a refusal is remembered, nor after a
//    failed call to the service until a call succeeds. The borrowed token passes the
//    limit only if the limit was used up elsewhere in the meantime: by one token per
//    descriptor and client, and the refusal of that next lease ends borrowing until a lease
//    is granted again.
// The one-time and lockout calls are thin, typed wrappers: an error means "unknown", and
// callers on authentication paths must fail closed on it.
// Thread-safe. The descriptor values are caller data (device, tenant ids): they go to the
// service, never into logs or metric labels here.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "bw/quota/bucket.hpp"
#include "bw/result.hpp"

namespace grpc {
class Channel;
}

namespace bw::quota {

// A rate-limit descriptor: a domain and ordered (key, value) entries, as in Envoy.
struct Descriptor {
  std::string domain;
  std::vector<std::pair<std::string, std::string>> entries;
  friend bool operator<(const Descriptor& a, const Descriptor& b) {
    return std::tie(a.domain, a.entries) < std::tie(b.domain, b.entries);
  }
};

struct SpendResult {
  bool allowed = false;
  bool degraded = false;  // the service could not be asked; Options::fail_open decided
  bool invalid = false;   // the service refused the request itself (unknown domain, bad descriptor)
  std::chrono::milliseconds retry_after{0};  // when refused: earliest time worth retrying
};

enum class OneTime { kFirstUse, kDuplicate };

struct LockoutState {
  bool locked = false;
  bool recorded = false;
  std::uint32_t failures = 0;
  std::chrono::milliseconds retry_after{0};
};

enum class SubjectKind { kAccount, kAddress };

struct Subject {
  SubjectKind kind = SubjectKind::kAccount;
  std::string tenant;  // empty or 16 bytes
  std::string id;      // 1..64 bytes, never a secret in the clear
};

class QuotaClient {
 public:
  struct Impl;
  struct Options {
    std::string holder;                            // this process, for the service's logs
    std::int64_t lease_size = 100;                 // tokens asked per lease (the service may cap)
    std::chrono::milliseconds rpc_timeout{2000};   // per RPC
    bool fail_open = false;                        // answer of spend() when the service is away
                                                   // (then remembered for degraded_retry: no wait per call)
    std::chrono::milliseconds degraded_retry{1000};  // retry_after reported while degraded
    std::size_t max_descriptors = 100'000;         // local buckets kept; idle, then least recently used, evicted
    bool renew_ahead = true;                       // fetch the next lease before this one runs out or expires
    bool borrow_when_idle = false;                 // see "Borrowing" above (needs renew_ahead)
  };

  // Lease fetches so far: those a spend() waited for, and renewals ahead in the background;
  // and the calls those renewals took (they go in batches: AcquireLeases, up to 64 each).
  struct Stats {
    std::uint64_t waited = 0;
    std::uint64_t ahead = 0;
    std::uint64_t ahead_calls = 0;
    std::uint64_t waited_calls = 0;  // calls for the waited ones (prefetch() asks for many in one)
    std::uint64_t borrowed = 0;      // spends allowed on one token of credit (borrow_when_idle)
  };
  Stats stats() const;

  QuotaClient(std::shared_ptr<grpc::Channel> channel, Options options);
  ~QuotaClient();  // returns unspent tokens (best effort, within one rpc_timeout in all)
  QuotaClient(const QuotaClient&) = delete;
  QuotaClient& operator=(const QuotaClient&) = delete;

  // Spends n ≥ 1 tokens of the descriptor's limit. Blocks only while a lease is fetched.
  SpendResult spend(const Descriptor& descriptor, std::int64_t n = 1);
  // For a caller about to spend on many descriptors (the relay's appender with a batch of
  // envelopes, e.g. from devices that all just reconnected): fetches a lease for each one
  // that spend() would have to fetch alone, up to 64 in one AcquireLeases call (one after the
  // other), so the batch waits one round trip per 64 instead of one per descriptor. What it
  // gets is recorded as spend() would record it (grants, refusals, an outage); what it could
  // not fetch (an older service, an invalid descriptor), spend() fetches itself. It stops at
  // the first call that fails (the service is away). One rpc_timeout per call at most.
  void prefetch(const std::vector<Descriptor>& descriptors);
  // Returns every held lease's unspent tokens; the count credited back by the service.
  // Takes at most one rpc_timeout in all and stops at the first sign the service is away.
  std::int64_t return_unspent();

  Result<OneTime> check_and_record(std::string_view tenant, std::string_view scope, std::string_view id,
                                   std::chrono::milliseconds ttl);
  Result<LockoutState> record_failure(const Subject& subject, std::string_view domain);
  Result<LockoutState> check_lockout(const Subject& subject, std::string_view domain);
  Status clear_failures(const Subject& subject, std::string_view domain);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::quota
