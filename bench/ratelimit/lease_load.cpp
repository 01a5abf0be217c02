// AcquireLeases load and its raw baseline (see lease_load.hpp).
#include "lease_load.hpp"

#include <grpcpp/grpcpp.h>

#include <cstdio>

#include "breakwater/ratelimit/v1/ratelimit.grpc.pb.h"
#include "bw/counters/counters.hpp"
#include "bw/counters/replies.hpp"
#include "bw/redis/keys.hpp"

namespace bw::bench {
namespace {

namespace v1 = ::breakwater::ratelimit::v1;

constexpr std::int64_t kTokens = 10;
constexpr std::int64_t kLeaseTtlMs = 10'000;
constexpr counters::FixedWindowLimit kLimit{1'000'000'000, 3600, false};

v1::AcquireLeasesRequest make_request(const std::string& domain, int caller) {
  v1::AcquireLeasesRequest req;
  req.set_holder("ratelimit_bench");
  for (int k = 0; k < kLeasesPerCall; ++k) {
    auto* one = req.add_leases();
    one->set_domain(domain);
    auto* e = one->mutable_rate_limit_descriptor()->add_entries();
    e->set_key("tenant");
    e->set_value("lease-" + std::to_string(caller) + "-" + std::to_string(k));
    one->set_requested(kTokens);
    one->set_holder("ratelimit_bench");
  }
  return req;
}

}  // namespace

CellResult run_lease_cell(const std::vector<std::shared_ptr<grpc::Channel>>& channels, const std::string& domain,
                          int callers, const Timing& timing) {
  std::vector<std::unique_ptr<v1::Quota::Stub>> stubs;
  std::vector<v1::AcquireLeasesRequest> requests;
  for (int i = 0; i < callers; ++i) {
    stubs.push_back(v1::Quota::NewStub(channels[static_cast<std::size_t>(i) % channels.size()]));
    requests.push_back(make_request(domain, i));
  }
  return run_threads(callers, timing, [&](int i, std::string& error) -> std::uint64_t {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::AcquireLeasesResponse res;
    const auto st = stubs[static_cast<std::size_t>(i)]->AcquireLeases(&ctx, requests[static_cast<std::size_t>(i)], &res);
    if (!st.ok()) return error = "AcquireLeases: " + st.error_message(), 0;
    std::uint64_t granted = 0;
    for (const auto& item : res.leases()) {
      if (!item.error().empty() || item.lease().granted() == 0) return error = "an item was not granted: " + item.error(), 0;
      ++granted;
    }
    return granted;
  });
}

CellResult run_raw_leases(const redis::ConnectionOptions& redis, int connections, const Timing& timing) {
  const counters::Counters c;
  std::vector<std::unique_ptr<redis::Connection>> conns;
  std::vector<std::vector<std::string>> counter_keys(static_cast<std::size_t>(connections));
  for (int i = 0; i < connections; ++i) {
    conns.push_back(std::make_unique<redis::Connection>(redis));
    if (auto st = c.load(*conns.back()); !st) {
      std::fprintf(stderr, "raw leases: SCRIPT LOAD failed: %s\n", st.error().message.c_str());
      return {};
    }
    for (int k = 0; k < kLeasesPerCall; ++k) {
      char id[33];
      std::snprintf(id, sizeof id, "%016x%016x", 0x1ea5e000u + static_cast<unsigned>(i), static_cast<unsigned>(k));
      counter_keys[static_cast<std::size_t>(i)].push_back(id);
    }
  }
  std::vector<std::uint64_t> serial(static_cast<std::size_t>(connections), 0);
  return run_threads(connections, timing, [&](int i, std::string& error) -> std::uint64_t {
    const auto at = static_cast<std::size_t>(i);
    std::vector<counters::Command> cmds;
    for (const auto& id : counter_keys[at]) {
      // A fresh record key per lease, as the service's random lease ids give.
      char lease[33];
      std::snprintf(lease, sizeof lease, "%016llx%016llx", static_cast<unsigned long long>(i),
                    static_cast<unsigned long long>(serial[at]++));
      cmds.push_back(c.take_lease_command(redis::tagged_key("rl", id, "w").value(),
                                          redis::tagged_key("rl", id, std::string("l:") + lease).value(), kLimit, kTokens,
                                          kLeaseTtlMs)
                         .value());
    }
    auto replies = c.pipeline(*conns[at], cmds);
    if (!replies) return error = replies.error().message, 0;
    for (const auto& r : replies.value()) {
      auto g = counters::parse_lease_grant(r);
      if (!g || g->granted == 0) return error = g ? "a lease was not granted" : g.error().message, 0;
    }
    return cmds.size();
  });
}

}  // namespace bw::bench
