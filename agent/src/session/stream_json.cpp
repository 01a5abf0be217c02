// Claude Code's stream-json lines; see stream_json.hpp.
#include "session/stream_json.hpp"

#include <nlohmann/json.hpp>

namespace bw::agent::session {

StreamEvent parse_stream_line(std::string_view line) {
  StreamEvent e;
  if (line.size() > kMaxLine) {
    e.kind = StreamEvent::Kind::kOversized;
    return e;
  }
  auto j = nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    e.kind = StreamEvent::Kind::kMalformed;
    return e;
  }
  auto type = j.find("type");
  if (type == j.end() || !type->is_string() || type->get_ref<const std::string&>().empty()) {
    e.kind = StreamEvent::Kind::kMalformed;
    return e;
  }
  e.type = type->get<std::string>();
  if (auto s = j.find("subtype"); s != j.end() && s->is_string()) e.subtype = s->get<std::string>();
  if (auto s = j.find("session_id"); s != j.end() && s->is_string()) e.session_id = s->get<std::string>();
  if (auto s = j.find("is_error"); s != j.end() && s->is_boolean()) e.is_error = s->get<bool>();
  e.line = std::string(line);
  return e;
}

void StreamJsonReader::complete(std::vector<StreamEvent>& out) {
  std::string_view line = partial_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.empty()) out.push_back(parse_stream_line(line));
  partial_.clear();
}

std::vector<StreamEvent> StreamJsonReader::feed(std::string_view bytes) {
  std::vector<StreamEvent> out;
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    const auto chunk = bytes.substr(0, nl);
    if (skipping_) {
      if (nl != std::string_view::npos) skipping_ = false;
    } else if (partial_.size() + chunk.size() > kMaxLine) {
      StreamEvent e;
      e.kind = StreamEvent::Kind::kOversized;
      out.push_back(std::move(e));
      partial_.clear();
      skipping_ = nl == std::string_view::npos;
    } else {
      partial_.append(chunk);
      if (nl != std::string_view::npos) complete(out);
    }
    if (nl == std::string_view::npos) break;
    bytes.remove_prefix(nl + 1);
  }
  return out;
}

std::vector<StreamEvent> StreamJsonReader::finish() {
  std::vector<StreamEvent> out;
  if (!skipping_) complete(out);
  skipping_ = false;
  partial_.clear();
  return out;
}

}  // namespace bw::agent::session
