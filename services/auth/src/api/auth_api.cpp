// AuthApi: the route table over the handler modules (auth_api.hpp, modules.hpp).
#include "api/auth_api.hpp"

#include "api/core.hpp"
#include "api/modules.hpp"
#include "api/router.hpp"

namespace bw::auth::api {

AuthApi::AuthApi(ApiOptions options, ApiDeps deps, metrics::Factory& metrics)
    : core_(std::make_unique<ApiCore>(std::move(options), std::move(deps), metrics)),
      router_(std::make_unique<Router>()),
      responses_(metrics.counter("http_responses", "public API responses by route and status")) {
  add_account_routes(*router_, *core_);
  add_session_routes(*router_, *core_);
  add_mfa_routes(*router_, *core_);
  add_pairing_routes(*router_, *core_);
  add_device_routes(*router_, *core_);
  add_tenant_routes(*router_, *core_);
  add_audit_routes(*router_, *core_, core_->deps().audit);
}

AuthApi::~AuthApi() = default;

std::vector<std::pair<std::string, std::string>> AuthApi::routes() const { return router_->routes(); }

http::Response AuthApi::handle(const http::Request& request) {
  std::string route;
  http::Response r = router_->route(request, route);
  responses_.add({{"route", route}, {"status", std::to_string(r.status)}}).Increment();
  return r;
}

}  // namespace bw::auth::api
