// Metric factory (see metrics.hpp).
#include "bw/metrics/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace bw::metrics {
namespace {

bool snake(std::string_view s) {
  return !s.empty() && s.front() >= 'a' && s.front() <= 'z' &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace

Factory::Factory(std::string service, std::string_view version)
    : service_(std::move(service)), registry_(std::make_shared<prometheus::Registry>()) {
  if (!snake(service_)) throw std::invalid_argument("metrics: bad service name " + service_);
  gauge("build_info", "Build information; always 1").add({{"version", std::string(version)}}).Set(1);
  const auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
  gauge("start_time_seconds", "Unix time the process started").add({}).Set(now.count());
}

std::string Factory::full_name(std::string_view what) const {
  if (!snake(what)) throw std::invalid_argument("metrics: bad metric name " + std::string(what));
  return "breakwater_" + service_ + "_" + std::string(what);
}

Family<prometheus::Counter> Factory::counter(std::string_view what, std::string_view help) {
  return Family<prometheus::Counter>(prometheus::BuildCounter().Name(full_name(what) + "_total").Help(std::string(help)).Register(*registry_));
}

Family<prometheus::Gauge> Factory::gauge(std::string_view what, std::string_view help) {
  return Family<prometheus::Gauge>(prometheus::BuildGauge().Name(full_name(what)).Help(std::string(help)).Register(*registry_));
}

Family<prometheus::Histogram> Factory::histogram(std::string_view what, std::string_view help) {
  return Family<prometheus::Histogram>(prometheus::BuildHistogram().Name(full_name(what)).Help(std::string(help)).Register(*registry_));
}

prometheus::Histogram::BucketBoundaries Factory::latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void check_labels(const Labels& labels) {
  // Compared word by word ("source_ip" → source, ip) so "descriptor" or "skipped" pass.
  static constexpr std::string_view kForbidden[] = {"user", "device", "tenant", "session", "pairing",
                                                    "account", "ip", "addr", "address", "token", "id"};
  for (const auto& [key, value] : labels) {
    if (!snake(key)) throw std::invalid_argument("metrics: bad label key " + key);
    std::string_view rest = key;
    while (!rest.empty()) {
      const auto cut = rest.find('_');
      const std::string_view word = rest.substr(0, cut);
      if (std::find(std::begin(kForbidden), std::end(kForbidden), word) != std::end(kForbidden)) {
        throw std::invalid_argument("metrics: label '" + key + "' would carry an identity; use logs or audit instead");
      }
      rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
    }
  }
}

std::string Factory::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace bw::metrics
