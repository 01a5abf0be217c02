// Fuzzes rate-limit request handling up to the Redis round trip: bytes → Envoy's
// RateLimitRequest → to_request() (the gRPC service's own conversion) → validate() →
// domain lookup and match() of every descriptor against a fixed rule set, plus hits() and
// counter_id() as the Limiter calls them. Nothing may crash, hang, leak or throw, and:
//  - the conversion keeps every descriptor and entry, in order, byte for byte;
//  - a request validate() accepts is within RequestLimits (so it can cost Redis only a
//    bounded amount), and one it refuses gets a reason that names the request;
//  - a match carries the request's own entries and a configured, non-zero limit.
// Two ways in: the input parsed as a serialized RateLimitRequest (what the server sees on
// the wire; seeds in corpus/fuzz_ratelimit_request/, made by make_request_seeds.sh), and,
// when it is not one, a structured request built from the bytes (FuzzedDataProvider), which
// reaches deep descriptor trees and strings the wire parser refuses (invalid UTF-8).
#include <fuzzer/FuzzedDataProvider.h>
#include <google/protobuf/stubs/logging.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/request.hpp"
#include "core/rules.hpp"
#include "rls_request.hpp"

namespace {

namespace rl = bw::ratelimit;
using envoy::service::ratelimit::v3::RateLimitRequest;

constexpr const char* kRules = R"(domain: api
descriptors:
  - key: tenant
    rate_limit: {unit: hour, requests_per_unit: 1000}
    descriptors:
      - key: route
        value: upload
        rate_limit: {unit: minute, requests_per_unit: 10, algorithm: gcra, burst: 5}
      - key: route
        rate_limit: {unit: second, requests_per_unit: 50}
  - key: probe
    shadow_mode: true
    rate_limit: {unit: day, requests_per_unit: 1}
  - key: remote_address
    value: 10.0.0.1
    rate_limit: {unit: minute, requests_per_unit: 60}
---
domain: login
descriptors:
  - key: account
    rate_limit: {unit: hour, requests_per_unit: 10}
)";

const rl::RuleSet& rules() {
  static const rl::RuleSet set = [] {
    std::vector<rl::RuleFile> files{{"fuzz_rules.yaml", kRules}};
    auto loaded = rl::load_rules(files);
    if (!loaded) __builtin_trap();  // the fixed rules must load
    return std::move(loaded.value());
  }();
  return set;
}

constexpr std::array<const char*, 4> kDomains = {"api", "login", "nosuch", ""};
constexpr std::array<const char*, 6> kKeys = {"tenant", "route", "probe", "remote_address", "account", ""};
constexpr std::array<const char*, 4> kValues = {"t1", "upload", "10.0.0.1", ""};

// A configured string most of the time (so matches happen), else raw bytes of any length.
std::string pick(FuzzedDataProvider& in, const auto& known, std::size_t max_raw) {
  if (in.ConsumeBool()) return known[in.ConsumeIntegralInRange<std::size_t>(0, known.size() - 1)];
  return in.ConsumeRandomLengthString(max_raw);
}

// Up to 70 descriptors of up to 20 entries, keys up to 300 and values up to 1100 bytes:
// just past every bound of RequestLimits, so both sides of each check are reached.
RateLimitRequest structured(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  RateLimitRequest req;
  req.set_domain(pick(in, kDomains, 140));
  req.set_hits_addend(in.ConsumeBool() ? 0 : in.ConsumeIntegral<std::uint32_t>());
  const auto descriptors = in.ConsumeIntegralInRange<int>(0, 70);
  for (int i = 0; i < descriptors && in.remaining_bytes() > 0; ++i) {
    auto* d = req.add_descriptors();
    const auto entries = in.ConsumeIntegralInRange<int>(0, 20);
    for (int k = 0; k < entries; ++k) {
      auto* e = d->add_entries();
      e->set_key(pick(in, kKeys, 300));
      e->set_value(pick(in, kValues, 1100));
    }
    if (in.ConsumeBool()) d->mutable_hits_addend()->set_value(in.ConsumeIntegral<std::uint64_t>());
  }
  return req;
}

void check_conversion(const RateLimitRequest& wire, const rl::Request& r) {
  if (r.domain != wire.domain() || r.hits_addend != wire.hits_addend()) __builtin_trap();
  if (r.descriptors.size() != static_cast<std::size_t>(wire.descriptors_size())) __builtin_trap();
  for (std::size_t i = 0; i < r.descriptors.size(); ++i) {
    const auto& d = wire.descriptors(static_cast<int>(i));
    const auto& rd = r.descriptors[i];
    if (rd.entries.size() != static_cast<std::size_t>(d.entries_size())) __builtin_trap();
    if (rd.hits_addend.has_value() != d.has_hits_addend()) __builtin_trap();
    if (rd.hits_addend && *rd.hits_addend != d.hits_addend().value()) __builtin_trap();
    for (std::size_t k = 0; k < rd.entries.size(); ++k) {
      const auto& e = d.entries(static_cast<int>(k));
      if (rd.entries[k].key != e.key() || rd.entries[k].value != e.value()) __builtin_trap();
    }
  }
}

void check_within_limits(const rl::Request& r, const rl::RequestLimits& limits) {
  if (r.domain.empty() || r.domain.size() > limits.max_domain_bytes) __builtin_trap();
  if (r.descriptors.empty() || r.descriptors.size() > limits.max_descriptors) __builtin_trap();
  for (const auto& d : r.descriptors) {
    if (d.entries.empty() || d.entries.size() > limits.max_entries) __builtin_trap();
    // A descriptor's explicit 0 is a read without counting (as Envoy); otherwise at least 1.
    const std::uint64_t h = rl::hits(r, d);
    if (h > limits.max_hits || (h == 0 && d.hits_addend != std::uint64_t{0})) __builtin_trap();
    for (const auto& e : d.entries) {
      if (e.key.empty() || e.key.size() > limits.max_key_bytes || e.value.size() > limits.max_value_bytes) {
        __builtin_trap();
      }
    }
  }
}

// What Limiter::decide does before it builds Redis commands.
void decide_without_redis(const rl::Request& r) {
  const rl::Domain* domain = rules().domain(r.domain);
  if (!domain) return;  // unknown domain: INVALID_ARGUMENT
  for (const auto& d : r.descriptors) {
    auto m = rl::match(*domain, d.entries);
    if (!m) continue;
    if (m->key_entries != d.entries || m->limit.requests_per_unit == 0 || m->rule_id.empty()) __builtin_trap();
    if (rl::counter_id(domain->name, *m).size() != 32) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Wire strings that are not UTF-8 make protobuf log an error per parse; keep the run quiet.
  google::protobuf::SetLogHandler(nullptr);
  (void)rules();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  RateLimitRequest wire;
  if (!wire.ParseFromArray(data, static_cast<int>(size))) wire = structured(data, size);
  const rl::Request request = rl::to_request(wire);
  check_conversion(wire, request);
  const rl::RequestLimits limits;
  if (auto st = rl::validate(request, limits); !st) {
    if (st.error().message.rfind("invalid request: ", 0) != 0) __builtin_trap();
    return 0;
  }
  check_within_limits(request, limits);
  decide_without_redis(request);
  return 0;
}
