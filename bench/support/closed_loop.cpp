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

namespace {

// One caller's figures, kept apart while timing and merged into the cell's at the end.
struct Tally {
  LatencySamples samples;
  std::vector<std::uint32_t> slow_per_100ms;  // paced cells: see CellResult
  std::uint64_t units = 0, errors = 0;
  std::string error, first_error;
  // Counts an operation of the measured window: `done` units (0: failed) taking `took`.
  void count(std::uint64_t done, Clock::duration took) {
    if (done == 0) {
      if (errors++ == 0) first_error = error;
      return;
    }
    units += done;
    samples.add(took);
  }
};

// `callers` threads running body(index, phase, tally) through the phases, their tallies
// merged into one result.
template <class Body>
CellResult run_callers(int callers, const Timing& timing, const Body& body) {
  std::atomic<Phase> phase{Phase::kWarmup};
  std::mutex mu;
  CellResult result;
  LatencySamples all;
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      Tally mine;
      body(i, phase, mine);
      std::lock_guard lock(mu);
      result.units += mine.units;
      result.errors += mine.errors;
      if (result.first_error.empty()) result.first_error = mine.first_error;
      all.merge(mine.samples);
      if (result.slow_per_100ms.size() < mine.slow_per_100ms.size()) result.slow_per_100ms.resize(mine.slow_per_100ms.size());
      for (std::size_t b = 0; b < mine.slow_per_100ms.size(); ++b) result.slow_per_100ms[b] += mine.slow_per_100ms[b];
    });
  }
  result.seconds = run_phases(phase, timing);
  for (auto& t : threads) t.join();
  result.latency = all.summarize();
  return result;
}

}  // namespace

CellResult run_threads(int callers, const Timing& timing, const Operation& op) {
  return run_callers(callers, timing, [&](int i, const std::atomic<Phase>& phase, Tally& tally) {
    while (phase.load() != Phase::kStop) {
      const bool counted = phase.load() == Phase::kMeasure;
      const auto started = Clock::now();
      const std::uint64_t done = op(i, tally.error);
      const auto ended = Clock::now();
      if (counted && phase.load() == Phase::kMeasure) tally.count(done, ended - started);
    }
  });
}

CellResult run_paced(int callers, double per_caller_hz, const Timing& timing, const Operation& op) {
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / per_caller_hz));
  const auto origin = Clock::now();
  const auto measure_from = origin + std::chrono::duration_cast<Clock::duration>(timing.warmup);
  CellResult r{};
  const auto slow = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(r.slow_ms));
  r = run_callers(callers, timing, [&](int i, const std::atomic<Phase>& phase, Tally& tally) {
    for (auto next = origin + period * i / callers;; next += period) {
      std::this_thread::sleep_until(next);
      const Phase at_start = phase.load();
      if (at_start == Phase::kStop) return;
      const std::uint64_t done = op(i, tally.error);
      const auto took = Clock::now() - next;
      if (at_start != Phase::kMeasure) continue;
      tally.count(done, took);
      if (done == 0 || took <= slow) continue;
      const auto bucket = static_cast<std::size_t>(std::max<Clock::duration::rep>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(next - measure_from).count() / 100));
      if (tally.slow_per_100ms.size() <= bucket) tally.slow_per_100ms.resize(bucket + 1);
      ++tally.slow_per_100ms[bucket];
    }
  });
  return r;
}

}  // namespace bw::bench
