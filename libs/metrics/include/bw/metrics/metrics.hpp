// The metric factory: one per service, over one prometheus-cpp registry.
//
// Guarantees: every metric is named breakwater_<service>_<what>[_<unit>], counters end in
// _total, names and label keys are checked at creation (a bad one is a programming error
// and throws at start-up), and label keys that would carry the id of a user, device or
// tenant are refused, so metric cardinality stays bounded and no id leaks into a time
// series. serialize() gives the Prometheus text exposition format for /metrics.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bw::metrics {

using Labels = std::map<std::string, std::string>;

// Refuses (std::invalid_argument) a label key that names an identity or is not snake case.
void check_labels(const Labels& labels);

// A metric family whose only way to add a series checks the labels first.
template <class M>
class Family {
 public:
  explicit Family(prometheus::Family<M>& family) : family_(&family) {}
  // The series with these labels, created on first use. Thread-safe.
  template <class... Args>
  M& add(const Labels& labels, Args&&... args) const {
    check_labels(labels);
    return family_->Add(labels, std::forward<Args>(args)...);
  }

 private:
  prometheus::Family<M>* family_;
};

class Factory {
 public:
  // service: lower snake case, e.g. "auth". Registers breakwater_<service>_build_info and
  // breakwater_<service>_start_time_seconds.
  Factory(std::string service, std::string_view version);

  // what: lower snake case without the prefix; counters get "_total" appended.
  Family<prometheus::Counter> counter(std::string_view what, std::string_view help);
  Family<prometheus::Gauge> gauge(std::string_view what, std::string_view help);
  Family<prometheus::Histogram> histogram(std::string_view what, std::string_view help);

  // Latency buckets in seconds, from 100 µs to 10 s.
  static prometheus::Histogram::BucketBoundaries latency_buckets();

  // The Prometheus text format of every metric in the registry.
  std::string serialize() const;
  const std::string& service() const { return service_; }
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  std::string full_name(std::string_view what) const;
  std::string service_;
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace bw::metrics
