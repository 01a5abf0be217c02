// See session_bodies.hpp.
#include "session/session_bodies.hpp"

namespace bw::agent::session {
namespace {

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::string event_body(const std::string& session, const std::string& event, nlohmann::json extra) {
  extra["session"] = session;
  extra["event"] = event;
  return dump(extra);
}

std::pair<e2e::Kind, std::string> output_message(const std::string& session, const std::string& line) {
  std::string body = dump(nlohmann::json{{"session", session}, {"stream", line}});
  if (body.size() <= e2e::kMaxBody) return {e2e::Kind::kOutput, std::move(body)};
  return {e2e::Kind::kEvent,
          event_body(session, "output_too_large", {{"bytes", static_cast<std::int64_t>(line.size())}})};
}

}  // namespace bw::agent::session
