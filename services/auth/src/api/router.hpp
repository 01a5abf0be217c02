// Router: the public API's route table. A pattern is a path of literal segments and
// "{name}" segments, each "{name}" matching one non-empty segment of [0-9a-zA-Z_-] (ids,
// user codes), passed to the handler in order. The route label for metrics is the
// pattern, never the caller's path, so label values stay a closed set.
// Unknown path → 404; known path, other method → 405 with Allow.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "bw/http/server.hpp"

namespace bw::auth::api {

using PathParams = std::vector<std::string>;

class Router {
 public:
  using Handler = std::function<http::Response(const http::Request&, const PathParams&)>;

  // method: "GET" (also answers HEAD), "POST", "PATCH", "PUT" or "DELETE".
  void add(std::string method, std::string pattern, Handler handler);

  // Every (method, pattern) served, in registration order (tests check each is covered).
  std::vector<std::pair<std::string, std::string>> routes() const;

  // Routes one request; `label` receives the matched pattern or "other".
  http::Response route(const http::Request& request, std::string& label) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "" marks a {parameter}
    Handler handler;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& path, PathParams& params);
  std::vector<Route> routes_;
};

}  // namespace bw::auth::api
