#include "strict_json.hpp"

#include <set>
#include <string>
#include <vector>

#include "bw/jwt/errors.hpp"

namespace bw::jwt::detail {

Result<nlohmann::json> parse_strict_object(std::string_view text) {
  using nlohmann::json;
  if (text.empty() || text.front() != '{') return make_error(Errc::kMalformed);
  std::vector<std::set<std::string>> seen;  // member names of each open object
  bool duplicate = false;
  bool too_deep = false;
  auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        seen.emplace_back();
        if (depth >= kMaxJsonDepth) too_deep = true;
        break;
      case json::parse_event_t::array_start:
        if (depth >= kMaxJsonDepth) too_deep = true;
        break;
      case json::parse_event_t::object_end:
        if (!seen.empty()) seen.pop_back();
        break;
      case json::parse_event_t::key:
        if (!seen.empty() && parsed.is_string() &&
            !seen.back().insert(parsed.get_ref<const std::string&>()).second) {
          duplicate = true;
        }
        break;
      default:
        break;
    }
    return true;
  };
  json value = json::parse(text.begin(), text.end(), on_event, /*allow_exceptions=*/false,
                           /*ignore_comments=*/false);
  if (duplicate) return make_error(Errc::kDuplicateKey);
  if (too_deep || value.is_discarded() || !value.is_object()) return make_error(Errc::kMalformed);
  return value;
}

}  // namespace bw::jwt::detail
