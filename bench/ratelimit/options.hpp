// Command line of ratelimit_bench (see usage() in options.cpp for every flag).
#pragma once

#include <string>
#include <vector>

#include "bw/result.hpp"
#include "closed_loop.hpp"

namespace bw::bench {

struct Options {
  Timing timing;
  std::vector<int> descriptors{1, 4};
  std::vector<int> callers{1, 16, 64};
  int channels = 4;
  int client_threads = 2;
  int pipeline_depth = 128;      // decisions per round trip of the pipelined baseline
  int pipeline_connections = 1;  // connections (threads) of the pipelined baseline
  // An existing service instead of a local one (then --redis is required).
  std::string service;
  std::string domain = "bench";
  std::string tls_cert, tls_key, tls_ca, server_name = "localhost";
  std::string redis;  // host:port of the service's Redis, for the baseline
  std::string redis_password;
  // A local service (default).
  std::string binary;                  // default: breakwater-ratelimit beside this program
  std::vector<std::string> service_env;
  bool help = false;
};

std::string usage();

// Error (naming the flag) for an unknown flag or a bad value.
Result<Options> parse_options(int argc, char** argv);

}  // namespace bw::bench
