// Closed-loop load for benchmarks: a fixed number of callers, each starting its next
// operation as soon as the previous one answered, over a warm-up and then a measured
// window. Only operations that start AND finish inside the measured window count, so the
// warm-up (connections, script loading, caches) never leaks into the figures.
//
// Figures are what a caller sees: completed units per second of the measured window and
// the latency of every counted operation (p50, p99, max). Nothing here decides pass or
// fail; the caller prints the figures.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bw::bench {

using Clock = std::chrono::steady_clock;

struct Timing {
  std::chrono::duration<double> warmup{1.0};
  std::chrono::duration<double> measure{3.0};
};

struct LatencySummary {
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double mean_ms = 0;
};

struct CellResult {
  std::uint64_t units = 0;   // decisions completed in the measured window
  std::uint64_t errors = 0;  // failed operations in the window (should be 0)
  double seconds = 0;        // actual length of the measured window
  LatencySummary latency;    // per operation
  std::string first_error;   // what the first failed operation said, if any
  // Paced cells only: how many counted operations took longer than slow_ms, per 100 ms of
  // their scheduled start in the measured window — shows whether a tail comes in bursts.
  double slow_ms = 10;
  std::vector<std::uint32_t> slow_per_100ms;
  double rate() const { return seconds > 0 ? static_cast<double>(units) / seconds : 0; }
};

// Latency samples of one cell; one per thread, merged at the end (no sharing while timing).
class LatencySamples {
 public:
  void add(Clock::duration d) { ns_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()); }
  void merge(const LatencySamples& other) { ns_.insert(ns_.end(), other.ns_.begin(), other.ns_.end()); }
  std::size_t size() const { return ns_.size(); }
  // Nearest-rank percentiles; all zero when there is no sample.
  LatencySummary summarize();

 private:
  std::vector<std::int64_t> ns_;
};

// The phase a cell is in; callers read it before and after each operation.
enum class Phase : int { kWarmup, kMeasure, kStop };

// Drives the phases from the calling thread: warm-up, measured window, stop. Returns the
// measured window's length. `phase` must start at kWarmup.
double run_phases(std::atomic<Phase>& phase, const Timing& timing);

// One operation of caller `index`: returns the decisions it completed, 0 when it failed
// (then it may say why in `error`).
using Operation = std::function<std::uint64_t(int index, std::string& error)>;

// `callers` threads, each looping over op(index) until the cell stops.
CellResult run_threads(int callers, const Timing& timing, const Operation& op);

// Paced (open-loop) load: `callers` threads, each starting op(index) every 1/per_caller_hz
// seconds on a fixed schedule, the callers' schedules spread evenly over one period. The
// latency of an operation counts from its SCHEDULED start, so one that starts late because
// the previous one was slow is charged for the wait (no coordinated omission). Counted:
// every operation scheduled inside the measured window, waited for even if it ends after.
CellResult run_paced(int callers, double per_caller_hz, const Timing& timing, const Operation& op);

}  // namespace bw::bench
