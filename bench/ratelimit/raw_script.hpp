// The raw baseline of the rate-limit benchmark: the very fixed_window script the service
// runs (libs/counters, EVALSHA through bw::counters::Counters and bw::redis::Connection),
// driven straight at the same Redis, with no gRPC, TLS, rules or service in between.
//
// One decision = `descriptors` script calls on distinct keys of the service's key shape
// ("bw:{rl:<32 hex>}:w", limit 1e9 per hour, count_denied off — what the service sends for
// a request with that many descriptors), sent in one pipeline as the service does.
#pragma once

#include "bw/redis/connection.hpp"
#include "closed_loop.hpp"

namespace bw::bench {

// `callers` threads, each with its own connection, one decision per round trip: the same
// concurrency the service is measured at, so latency and rate compare like for like.
CellResult run_raw_callers(const redis::ConnectionOptions& redis, int callers, int descriptors, const Timing& timing);

// The ceiling: `connections` threads, each sending `depth` decisions (depth × descriptors
// script calls) per round trip. Latency is per round trip, not per decision.
CellResult run_raw_pipelined(const redis::ConnectionOptions& redis, int connections, int depth, int descriptors,
                             const Timing& timing);

}  // namespace bw::bench
