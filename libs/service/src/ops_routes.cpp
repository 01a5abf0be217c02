// Routing of the operations endpoints (see ops_routes.hpp).
#include "bw/service/ops_routes.hpp"

namespace bw::service {
namespace {

std::string readiness_json(const ReadinessSnapshot& s) {
  std::string body = std::string("{\"ready\":") + (s.ready ? "true" : "false") +
                     ",\"draining\":" + (s.draining ? "true" : "false") + ",\"checks\":{";
  bool first = true;
  for (const auto& [name, ok] : s.checks) {
    body += (first ? "\"" : ",\"") + name + "\":" + (ok ? "true" : "false");
    first = false;
  }
  return body + "}}\n";
}

}  // namespace

OpsResponse route_ops(std::string_view method, std::string_view target, const ReadinessSnapshot& state,
                      const std::function<std::string()>& metrics_text) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != "/healthz" && path != "/readyz" && path != "/metrics") {
    return {404, "text/plain; charset=utf-8", "not found\n"};
  }
  if (method != "GET" && method != "HEAD") return {405, "text/plain; charset=utf-8", "method not allowed\n"};
  if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
  if (path == "/readyz") return {state.ready ? 200 : 503, "application/json", readiness_json(state)};
  return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_text ? metrics_text() : std::string()};
}

}  // namespace bw::service
