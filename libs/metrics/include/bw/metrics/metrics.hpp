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

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bw::metrics {

using Labels = std::map<std::string, std::string>;

class Factory {
 public:
  // service: lower snake case, e.g. "auth". Registers breakwater_<service>_build_info and
  // breakwater_<service>_start_time_seconds.
  Factory(std::string service, std::string_view version);

  // what: lower snake case without the prefix; counters get "_total" appended.
  prometheus::Family<prometheus::Counter>& counter(std::string_view what, std::string_view help);
  prometheus::Family<prometheus::Gauge>& gauge(std::string_view what, std::string_view help);
  prometheus::Family<prometheus::Histogram>& histogram(std::string_view what, std::string_view help);

  // Adds a labelled series, refusing label keys that carry identities (see above).
  template <class M, class... Args>
  static M& series(prometheus::Family<M>& family, const Labels& labels, Args&&... args) {
    check_labels(labels);
    return family.Add(labels, std::forward<Args>(args)...);
  }

  // Latency buckets in seconds, from 100 µs to 10 s.
  static prometheus::Histogram::BucketBoundaries latency_buckets();

  // The Prometheus text format of every metric in the registry.
  std::string serialize() const;
  const std::string& service() const { return service_; }
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // Throws std::invalid_argument for a label key that names an identity.
  static void check_labels(const Labels& labels);

 private:
  std::string full_name(std::string_view what) const;
  std::string service_;
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace bw::metrics
