#include "stats_exporter.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

namespace bw::relay {

StatsExporter::StatsExporter(metrics::Factory& metrics, std::vector<Source> sources, std::chrono::milliseconds interval)
    : metrics_(metrics), sources_(std::move(sources)), interval_(interval) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, interval_, [this] { return stopping_; });
      lock.unlock();
      collect();
      lock.lock();
    }
  });
}

StatsExporter::~StatsExporter() { stop(); }

void StatsExporter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StatsExporter::collect() {
  std::vector<StatSample> samples;
  for (const auto& source : sources_) {
    auto part = source();
    samples.insert(samples.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  std::lock_guard lock(mu_);
  for (const auto& s : samples) {
    if (s.gauge) {
      auto it = gauges_.find(s.name);
      if (it == gauges_.end()) it = gauges_.emplace(s.name, metrics_.gauge(s.name, s.help)).first;
      it->second.add(s.labels).Set(static_cast<double>(s.value));
      continue;
    }
    auto it = counters_.find(s.name);
    if (it == counters_.end()) it = counters_.emplace(s.name, metrics_.counter(s.name, s.help)).first;
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += "|" + k + "=" + v;
    auto& last = last_[key];
    auto& counter = it->second.add(s.labels);
    if (s.value > last) counter.Increment(static_cast<double>(s.value - last));
    last = s.value;
  }
}

}  // namespace bw::relay
