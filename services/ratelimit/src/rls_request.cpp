// RateLimitRequest → Request (see rls_request.hpp).
#include "rls_request.hpp"

namespace bw::ratelimit {

Request to_request(const envoy::service::ratelimit::v3::RateLimitRequest& request) {
  Request r;
  r.domain = request.domain();
  r.hits_addend = request.hits_addend();
  r.descriptors.reserve(static_cast<std::size_t>(request.descriptors_size()));
  for (const auto& d : request.descriptors()) {
    RequestDescriptor rd;
    for (const auto& e : d.entries()) rd.entries.push_back(Entry{e.key(), e.value()});
    if (d.has_hits_addend()) rd.hits_addend = d.hits_addend().value();
    r.descriptors.push_back(std::move(rd));
  }
  return r;
}

}  // namespace bw::ratelimit
