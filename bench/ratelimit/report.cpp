// The benchmark's report (see report.hpp).
#include "report.hpp"

#include <cstdio>

namespace bw::bench {
namespace {

double ratio(const CellResult& a, const CellResult& b) { return b.rate() > 0 ? a.rate() / b.rate() : 0; }

}  // namespace

void print_table(const std::vector<Row>& rows, const std::map<int, CellResult>& pipelined) {
  std::printf(
      "| descriptors | callers | service decisions/s | p50 ms | p99 ms | gRPC health Check/s, same callers "
      "| raw script, same callers: decisions/s "
      "| p50 ms | p99 ms | raw script, pipelined: decisions/s | service / pipelined | service / same callers | "
      "errors service / raw | CPU %% service / client / redis |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const auto& r : rows) {
    const auto it = pipelined.find(r.descriptors);
    const CellResult p = it == pipelined.end() ? CellResult{} : it->second;
    std::string cpu;
    for (double c : r.cpu) cpu += (cpu.empty() ? "" : " / ") + std::to_string(static_cast<int>(c + 0.5));
    std::printf("| %d | %d | %.0f | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f | %.0f | %.0f%% | %.0f%% | %llu / %llu | %s |\n",
                r.descriptors, r.callers, r.service.rate(), r.service.latency.p50_ms, r.service.latency.p99_ms,
                r.health.rate(), r.raw_callers.rate(), r.raw_callers.latency.p50_ms, r.raw_callers.latency.p99_ms, p.rate(),
                100 * ratio(r.service, p), 100 * ratio(r.service, r.raw_callers),
                static_cast<unsigned long long>(r.service.errors),
                static_cast<unsigned long long>(r.raw_callers.errors), cpu.empty() ? "-" : cpu.c_str());
  }
  std::fflush(stdout);
}

void print_goal(const std::vector<Row>& rows, const std::map<int, CellResult>& pipelined) {
  std::map<int, const Row*> at_most;  // descriptors -> row with the most callers
  for (const auto& r : rows) {
    auto& best = at_most[r.descriptors];
    if (!best || r.callers > best->callers) best = &r;
  }
  for (const auto& [descriptors, row] : at_most) {
    const auto it = pipelined.find(descriptors);
    const double share = it == pipelined.end() ? 0 : ratio(row->service, it->second);
    const bool rate_met = share >= 0.5;
    const bool p99_met = row->service.latency.p99_ms < 5.0 && row->service.units > 0;
    std::printf("goal, %d descriptor(s) at %d callers: %.0f%% of the raw pipelined rate (goal >= 50%%: %s), "
                "p99 %.2f ms (goal < 5 ms: %s)\n",
                descriptors, row->callers, 100 * share, rate_met ? "met" : "NOT met", row->service.latency.p99_ms,
                p99_met ? "met" : "NOT met");
  }
  std::fflush(stdout);
}

}  // namespace bw::bench
