// Load on a running breakwater-ratelimit through Envoy's RateLimitService API, as a
// gateway would send it: asynchronous unary ShouldRateLimit calls, `callers` of them in
// flight at all times (each caller sends its next request as soon as its answer arrives),
// spread over several channels — each its own HTTP/2 connection under mutual TLS — and a
// few completion-queue threads, so the client is not what limits the figures.
//
// The same driver can send grpc.health.v1 Check instead: the service's cheapest call over
// the same TLS channels, i.e. what the transport alone costs (a floor under ShouldRateLimit).
//
// Caller i always asks about the same `descriptors` descriptors ({tenant: c<i>-d<k>}), so
// each caller has its own counters, as distinct tenants would. A call counts only if it
// answers OK with overall code OK; anything else (an error or OVER_LIMIT, which the
// benchmark's rules never reach) is an error of the cell.
#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "bw/service/tls.hpp"
#include "closed_loop.hpp"

namespace bw::bench {

struct RlsTarget {
  std::string address;      // host:port
  service::TlsFiles tls;    // client certificate, key and the cluster CA
  std::string server_name;  // name in the server certificate
  std::string domain;       // a domain whose `tenant` rule admits everything
};

// `count` channels that never share a connection. Error when the TLS files do not load.
Result<std::vector<std::shared_ptr<grpc::Channel>>> make_channels(const RlsTarget& target, int count);

enum class Rpc { kShouldRateLimit, kHealthCheck };

struct RlsCell {
  int callers = 1;
  int descriptors = 1;
  int client_threads = 2;
  Rpc rpc = Rpc::kShouldRateLimit;
};

CellResult run_rls_cell(const std::vector<std::shared_ptr<grpc::Channel>>& channels, const std::string& domain,
                        const RlsCell& cell, const Timing& timing);

}  // namespace bw::bench
