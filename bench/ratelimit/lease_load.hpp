// Quota leases through breakwater-ratelimit's AcquireLeases, as a relay pod renews them (64
// leases a call), beside the raw rate of the same take-lease script pipelined at Redis.
//
// Caller i asks, call after call, for leases of 10 tokens on its own 64 descriptors
// ({tenant: lease-<i>-<k>}) under the benchmark's rule, which admits everything: every
// lease is granted and counted, as a busy pod's renewals are. A lease counts only if its
// item came back granted; a call or item error is an error of the cell. The leases are
// never returned (their records expire with the service's lease TTL).
#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "bw/redis/connection.hpp"
#include "closed_loop.hpp"

namespace bw::bench {

inline constexpr int kLeasesPerCall = 64;

// `callers` threads, each with a blocking stub on channel i mod n, one call in flight each.
CellResult run_lease_cell(const std::vector<std::shared_ptr<grpc::Channel>>& channels, const std::string& domain,
                          int callers, const Timing& timing);

// `connections` threads, each sending 64 take-lease script calls per round trip on keys of
// the service's shape; counts leases granted.
CellResult run_raw_leases(const redis::ConnectionOptions& redis, int connections, const Timing& timing);

}  // namespace bw::bench
