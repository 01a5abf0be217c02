// CPU time of processes, to show where a benchmark's cores went (the service, the load
// generator, the server behind it) — on a small machine the load generator shares them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <vector>

namespace bw::bench {

// User + system CPU seconds `pid` has used so far (/proc/<pid>/stat); 0 when unreadable.
double process_cpu_seconds(pid_t pid);

// Measures the CPU each process uses over an interval, as % of one core.
class CpuMeter {
 public:
  explicit CpuMeter(std::vector<pid_t> pids);
  // Percent of one core per pid since construction (or the previous call), in pid order.
  std::vector<double> percent();

 private:
  std::vector<pid_t> pids_;
  std::vector<double> start_;
  std::chrono::steady_clock::time_point since_;
};

}  // namespace bw::bench
