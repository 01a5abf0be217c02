// Copies counters kept as plain atomics (the Redis layer's, the WebSocket server's) into
// Prometheus metrics every few seconds, so hot paths never touch the registry.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bw/metrics/metrics.hpp"

namespace bw::relay {

struct StatSample {
  std::string name;  // family, without the breakwater_relay_ prefix
  std::string help;
  metrics::Labels labels;
  std::uint64_t value = 0;
  bool gauge = false;  // else a counter: the exporter adds what grew since the last sample
};

class StatsExporter {
 public:
  using Source = std::function<std::vector<StatSample>()>;
  StatsExporter(metrics::Factory& metrics, std::vector<Source> sources,
                std::chrono::milliseconds interval = std::chrono::seconds(5));
  ~StatsExporter();  // stop()
  void stop();
  // One pass now (tests, and the last pass at stop()).
  void collect();

 private:
  metrics::Factory& metrics_;
  std::vector<Source> sources_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, metrics::Family<prometheus::Counter>> counters_;
  std::map<std::string, metrics::Family<prometheus::Gauge>> gauges_;
  std::map<std::string, std::uint64_t> last_;
  std::thread thread_;
};

}  // namespace bw::relay
