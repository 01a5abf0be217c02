// What ratelimit_bench prints: the machine and set-up, then one Markdown table row per
// (descriptors, callers) cell, then whether the goal is met, stated plainly.
// The table pastes into README.md as is.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "closed_loop.hpp"
#include "machine.hpp"

namespace bw::bench {

struct Row {
  int descriptors = 0;
  int callers = 0;
  CellResult service;
  CellResult health;       // grpc.health.v1 Check, same callers: the transport's floor
  CellResult raw_callers;  // same callers, one round trip per decision
  std::vector<double> cpu;  // during the service cell, % of one core: service, client, redis
};

void print_table(const std::vector<Row>& rows, const std::map<int, CellResult>& pipelined);

// Goal of issue 3: at 64 callers (else the largest measured), service ≥ 50% of the raw
// pipelined rate and p99 < 5 ms, per descriptor count.
void print_goal(const std::vector<Row>& rows, const std::map<int, CellResult>& pipelined);

}  // namespace bw::bench
