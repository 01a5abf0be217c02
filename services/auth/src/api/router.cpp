// Router (router.hpp).
#include "api/router.hpp"

#include <algorithm>

#include "api/api_support.hpp"

namespace bw::auth::api {
namespace {

constexpr std::size_t kMaxSegments = 8;

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (out.size() <= kMaxSegments) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool param_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  Route r{std::move(method), std::move(pattern), {}, std::move(handler)};
  for (auto segment : split_path(r.pattern)) {
    const bool param = segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
    r.segments.emplace_back(param ? std::string_view() : segment);
  }
  routes_.push_back(std::move(r));
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

bool Router::match(const Route& route, const std::vector<std::string_view>& path, PathParams& params) {
  if (route.segments.size() != path.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (!route.segments[i].empty()) {
      if (route.segments[i] != path[i]) return false;
      continue;
    }
    if (path[i].empty() || path[i].size() > 128 || !std::all_of(path[i].begin(), path[i].end(), param_char)) {
      return false;
    }
    params.emplace_back(path[i]);
  }
  return true;
}

http::Response Router::route(const http::Request& request, std::string& label) const {
  const auto path = split_path(request.path);
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  std::string allow;
  PathParams params;
  for (const auto& r : routes_) {
    if (!match(r, path, params)) continue;
    if (r.method == method) {
      label = r.pattern;
      return r.handler(request, params);
    }
    if (allow.find(r.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + r.method;
    label = r.pattern;
  }
  if (!allow.empty()) {
    auto resp = detail::error(405, "method_not_allowed", "method not allowed on this path");
    resp.headers.emplace_back("Allow", allow);
    return resp;
  }
  label = "other";
  return detail::error(404, "not_found", "no such endpoint");
}

}  // namespace bw::auth::api
