// The terminal client's folder and session (client_session.hpp).
#include "client_session.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "private_file.hpp"
#include "state_dir.hpp"

namespace bw::cli {

namespace {
constexpr const char* kSessionFile = "session.json";
}

Result<std::string> client_home(const std::string& configured) {
  std::string dir = configured;
  if (dir.empty()) {
    if (const char* h = std::getenv("BREAKWATER_HOME"); h && *h) dir = h;
  }
  if (dir.empty()) {
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x == '/') dir = std::string(x) + "/breakwater";
  }
  if (dir.empty()) {
    const char* home = std::getenv("HOME");
    if (!home || *home != '/') return Error{1, "no folder for the client: set BREAKWATER_HOME"};
    dir = std::string(home) + "/.config/breakwater";
  }
  if (auto st = agent::ensure_private_dir(dir); !st) return st.error();
  return dir;
}

Status save_session(const std::string& home, const Session& s) {
  nlohmann::json j = {{"version", 1},       {"auth_url", s.auth_url}, {"ca_file", s.ca_file}, {"tenant", s.tenant},
                      {"login", s.login},   {"user_id", s.user_id},   {"refresh_token", s.refresh_token}};
  return agent::write_private_file(home, kSessionFile, j.dump());
}

Result<Session> load_session(const std::string& home) {
  auto text = agent::read_private_file(home, kSessionFile);
  if (!text) return text.error();
  if (!text->has_value()) return Error{1, "not signed in: run breakwater login --auth URL --user LOGIN --tenant TENANT"};
  const auto j = nlohmann::json::parse(**text, nullptr, false);
  const auto bad = Error{1, home + "/" + kSessionFile + " is damaged: run breakwater login again"};
  if (!j.is_object() || j.value("version", 0) != 1) return bad;
  Session s;
  for (auto [key, field] : {std::pair{"auth_url", &s.auth_url}, {"ca_file", &s.ca_file}, {"tenant", &s.tenant},
                            {"login", &s.login}, {"user_id", &s.user_id}, {"refresh_token", &s.refresh_token}}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return bad;
    *field = it->get<std::string>();
  }
  return s;
}

Result<std::string> access_token(const std::string& home, Session& s, http::Client& client) {
  if (s.refresh_token.empty()) return Error{1, "signed out: run breakwater login"};
  auto r = client.request("POST", "/v1/token/refresh",
                          nlohmann::json{{"tenant", s.tenant}, {"refresh_token", s.refresh_token}}.dump());
  if (!r) return r.error();
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status == 401) return Error{1, "the session has ended (expired, signed out or revoked): run breakwater login"};
  if (r->status != 200 || !j.is_object() || !j.contains("refresh_token") || !j.contains("access_token")) {
    return Error{1, "cannot refresh the session: " + http::describe_failure(r.value())};
  }
  s.refresh_token = j.value("refresh_token", "");
  if (auto st = save_session(home, s); !st) return Error{1, "cannot save the rotated session: " + st.error().message};
  return j.value("access_token", "");
}

}  // namespace bw::cli
