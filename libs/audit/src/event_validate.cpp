// Event limits (event.hpp). Each check returns the first broken rule, naming the field, so a
// producer's INVALID_ARGUMENT says what to fix. Messages quote sizes, never field contents:
// an attribute value that should not be there could be exactly what must not be logged.
#include <algorithm>
#include <string>

#include "bw/audit/errors.hpp"
#include "bw/audit/event.hpp"

namespace bw::audit {
namespace {

Error invalid(std::string_view field, std::string_view rule) {
  return make_error(Errc::kInvalidEvent, "event field '" + std::string(field) + "' " + std::string(rule));
}

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_'; }

// 1..max (or 0..max when may_be_empty) characters of [a-z0-9._].
Status check_name(std::string_view field, std::string_view value, std::size_t max, bool may_be_empty) {
  if ((value.empty() && !may_be_empty) || value.size() > max) {
    return invalid(field, "must be " + std::string(may_be_empty ? "0" : "1") + ".." + std::to_string(max) +
                              " characters, got " + std::to_string(value.size()));
  }
  if (!std::all_of(value.begin(), value.end(), is_name_char)) return invalid(field, "may hold only [a-z0-9._]");
  return {};
}

Status check_text(std::string_view field, std::string_view value, std::size_t max) {
  if (value.size() > max) {
    return invalid(field, "must be at most " + std::to_string(max) + " bytes, got " + std::to_string(value.size()));
  }
  if (!is_clean_text(value)) return invalid(field, "must be valid UTF-8 without control characters");
  return {};
}

Status check_actor(const Event& e) {
  switch (e.actor_kind) {
    case ActorKind::kUser:
    case ActorKind::kDevice:
      if (e.actor_id.size() != kIdSize) return invalid("actor.id", "must be 16 bytes for a user or device");
      if (!e.actor_name.empty()) return invalid("actor.name", "must be empty unless the actor is a service");
      return {};
    case ActorKind::kService:
      if (!e.actor_id.empty()) return invalid("actor.id", "must be empty for a service");
      if (e.actor_name.empty()) return invalid("actor.name", "must name the service");
      return check_text("actor.name", e.actor_name, kMaxActorName);
    case ActorKind::kAnonymous:
      if (!e.actor_id.empty()) return invalid("actor.id", "must be empty for an anonymous actor");
      if (!e.actor_name.empty()) return invalid("actor.name", "must be empty unless the actor is a service");
      return {};
    case ActorKind::kUnspecified:
      break;
  }
  return invalid("actor.kind", "must be USER, DEVICE, SERVICE or ANONYMOUS");
}

Status check_target(const Event& e) {
  if (auto st = check_name("target.type", e.target_type, kMaxTargetType, true); !st) return st;
  if (e.target_id.size() > kMaxTargetId) return invalid("target.id", "must be at most 64 bytes");
  if (!e.target_id.empty() && e.target_type.empty()) return invalid("target.type", "must be set when target.id is");
  return {};
}

Status check_attributes(const Event& e) {
  if (e.attributes.size() > kMaxAttributes) {
    return invalid("attributes", "may hold at most 16 entries, got " + std::to_string(e.attributes.size()));
  }
  for (const auto& [key, value] : e.attributes) {
    if (auto st = check_name("attributes key", key, kMaxAttributeKey, false); !st) return st;
    if (auto st = check_text("attributes[" + key + "]", value, kMaxAttributeValue); !st) return st;
  }
  return {};
}

// Length of the UTF-8 sequence led by b, or 0 if b cannot lead one.
int sequence_length(unsigned char b) {
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;  // continuation byte, overlong lead C0/C1, or beyond U+10FFFF
}

}  // namespace

bool is_clean_text(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    const int len = sequence_length(b);
    if (len == 0 || text.size() - i < static_cast<std::size_t>(len)) return false;
    std::uint32_t cp = len == 1 ? b : b & (0x7F >> len);
    for (int k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    const bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
    if (overlong || surrogate || control || cp > 0x10FFFF) return false;
    i += static_cast<std::size_t>(len);
  }
  return true;
}

Status validate(const Event& e) {
  if (e.time_ms > kMaxTimeMs) return invalid("time", "is after 9999-12-31T23:59:59.999Z");
  if (auto st = check_actor(e); !st) return st;
  if (auto st = check_name("action", e.action, kMaxAction, false); !st) return st;
  if (auto st = check_target(e); !st) return st;
  if (e.result != Outcome::kSuccess && e.result != Outcome::kFailure && e.result != Outcome::kDenied) {
    return invalid("result", "must be SUCCESS, FAILURE or DENIED");
  }
  if (!e.source_address.empty() && e.source_address.size() != kAddressSize) {
    return invalid("source_address", "must be empty or 16 bytes (IPv6, IPv4 mapped)");
  }
  if (auto st = check_attributes(e); !st) return st;
  return check_name("producer", e.producer, kMaxProducer, false);
}

}  // namespace bw::audit
