// Closed-loop load (see closed_loop.hpp).
#include "closed_loop.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <thread>

namespace bw::bench {
namespace {

double percentile_ms(std::vector<std::int64_t>& ns, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(ns.size())));
  const std::size_t k = std::min(ns.size() - 1, rank == 0 ? 0 : rank - 1);
  std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(k), ns.end());
  return static_cast<double>(ns[k]) / 1e6;
}

}  // namespace

LatencySummary LatencySamples::summarize() {
  if (ns_.empty()) return {};
  LatencySummary s;
  s.p50_ms = percentile_ms(ns_, 0.50);
  s.p99_ms = percentile_ms(ns_, 0.99);
  s.max_ms = static_cast<double>(*std::max_element(ns_.begin(), ns_.end())) / 1e6;
  double sum = 0;
  for (const auto v : ns_) sum += static_cast<double>(v);
  s.mean_ms = sum / static_cast<double>(ns_.size()) / 1e6;
  return s;
}

double run_phases(std::atomic<Phase>& phase, const Timing& timing) {
  std::this_thread::sleep_for(timing.warmup);
  const auto start = Clock::now();
  phase.store(Phase::kMeasure);
  std::this_thread::sleep_for(timing.measure);
  phase.store(Phase::kStop);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

CellResult run_threads(int callers, const Timing& timing, const Operation& op) {
  std::atomic<Phase> phase{Phase::kWarmup};
  std::mutex mu;
  CellResult result;
  LatencySamples all;
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      LatencySamples mine;
      std::uint64_t units = 0, errors = 0;
      std::string error, first_error;
      while (phase.load() != Phase::kStop) {
        const bool counted = phase.load() == Phase::kMeasure;
        const auto started = Clock::now();
        const std::uint64_t done = op(i, error);
        const auto ended = Clock::now();
        if (!counted || phase.load() != Phase::kMeasure) continue;
        if (done == 0) {
          if (errors++ == 0) first_error = error;
          continue;
        }
        units += done;
        mine.add(ended - started);
      }
      std::lock_guard lock(mu);
      result.units += units;
      result.errors += errors;
      if (result.first_error.empty()) result.first_error = first_error;
      all.merge(mine);
    });
  }
  result.seconds = run_phases(phase, timing);
  for (auto& t : threads) t.join();
  result.latency = all.summarize();
  return result;
}

CellResult run_paced(int callers, double per_caller_hz, const Timing& timing, const Operation& op) {
  std::atomic<Phase> phase{Phase::kWarmup};
  std::mutex mu;
  CellResult result;
  LatencySamples all;
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / per_caller_hz));
  const auto origin = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      LatencySamples mine;
      std::uint64_t units = 0, errors = 0;
      std::string error, first_error;
      auto next = origin + period * i / callers;
      for (;;) {
        std::this_thread::sleep_until(next);
        const Phase at_start = phase.load();
        if (at_start == Phase::kStop) break;
        const std::uint64_t done = op(i, error);
        const auto ended = Clock::now();
        const auto scheduled = next;
        next += period;
        if (at_start != Phase::kMeasure) continue;
        if (done == 0) {
          if (errors++ == 0) first_error = error;
          continue;
        }
        units += done;
        mine.add(ended - scheduled);
      }
      std::lock_guard lock(mu);
      result.units += units;
      result.errors += errors;
      if (result.first_error.empty()) result.first_error = first_error;
      all.merge(mine);
    });
  }
  result.seconds = run_phases(phase, timing);
  for (auto& t : threads) t.join();
  result.latency = all.summarize();
  return result;
}

}  // namespace bw::bench
