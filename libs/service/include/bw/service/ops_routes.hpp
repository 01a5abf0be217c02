// The operations endpoints as a pure function of the request line and the service state:
//   GET /healthz  → 200 while the process runs its loop (liveness)
//   GET /readyz   → 200 when every readiness check passes and the service is not
//                   draining, else 503; the body lists each check as JSON
//   GET /metrics  → Prometheus text format
// Anything else is 404; a method other than GET or HEAD is 405. Bodies carry no secrets.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "bw/service/readiness.hpp"

namespace bw::service {

struct OpsResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

OpsResponse route_ops(std::string_view method, std::string_view target, const ReadinessSnapshot& state,
                      const std::function<std::string()>& metrics_text);

}  // namespace bw::service
