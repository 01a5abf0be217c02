// Event building and the client-side limits (see event.hpp).
#include "bw/auditclient/event.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "bw/crypto/random.hpp"
#include "bw/log/redact.hpp"
#include "bw/time_ordered_id.hpp"

namespace bw::auditclient {
namespace {

std::string cut(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t n = max;
  // Never cut inside a UTF-8 sequence: back up over continuation bytes.
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return std::string(text.substr(0, n));
}

bool is_action_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; }

bool valid_action(std::string_view a) {
  if (a.empty() || a.size() > kMaxActionBytes || a.front() == '.' || a.back() == '.') return false;
  return std::all_of(a.begin(), a.end(), is_action_char) && a.find("..") == std::string_view::npos;
}

// Decodes the UTF-8 character at v[i] (shortest form, no surrogates, ≤ U+10FFFF) into cp
// and advances i; false for an invalid sequence (i then moves by one byte).
bool next_char(std::string_view v, std::size_t& i, std::uint32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(v[k]); };
  const unsigned char lead = b(i);
  const std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > v.size()) return ++i, false;
  cp = n == 1 ? lead : lead & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return ++i, false;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return ++i, false;
  i += n;
  return true;
}

bool is_control(std::uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Valid UTF-8 without control characters: what the audit service calls text.
bool is_text(std::string_view v) {
  std::uint32_t cp = 0;
  for (std::size_t i = 0; i < v.size();) {
    if (!next_char(v, i, cp) || is_control(cp)) return false;
  }
  return true;
}

// Invalid bytes and control characters become '?', so a value is always text.
std::string printable(std::string_view v) {
  std::string out;
  std::uint32_t cp = 0;
  for (std::size_t i = 0; i < v.size();) {
    const std::size_t start = i;
    if (next_char(v, i, cp) && !is_control(cp)) out.append(v.substr(start, i - start));
    else out.push_back('?');
  }
  return out;
}

bool valid_key(std::string_view k) {
  return !k.empty() && k.size() <= kMaxAttributeKeyBytes && std::all_of(k.begin(), k.end(), is_action_char);
}

// Besides the shared secret names (bw::is_secret_name): codes of any kind and anything that
// may carry message content.
bool is_forbidden_key(std::string_view key) {
  static constexpr std::string_view kWords[] = {"code",  "content", "ciphertext", "plaintext", "body",
                                                "message", "prompt", "signature", "payload"};
  if (log::is_secret_field(key)) return true;
  return std::any_of(std::begin(kWords), std::end(kWords),
                     [&](std::string_view w) { return key.find(w) != std::string_view::npos; });
}

}  // namespace

Id new_event_id(std::chrono::system_clock::time_point at) {
  std::array<std::uint8_t, 10> random{};
  crypto::random_bytes(random);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  return time_ordered_id(static_cast<std::uint64_t>(std::max<std::int64_t>(0, ms)), random);
}

bool to_id(std::string_view bytes, Id& out) {
  if (bytes.size() != out.size()) return false;
  std::memcpy(out.data(), bytes.data(), out.size());
  return true;
}

std::string parse_address(std::string_view text) {
  std::string host(text);
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string::npos) return {};
    host = host.substr(1, close - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    host = host.substr(0, host.find(':'));  // IPv4 with a port
  }
  unsigned char out[16] = {};
  if (inet_pton(AF_INET6, host.c_str(), out) == 1) return std::string(reinterpret_cast<char*>(out), 16);
  unsigned char v4[4];
  if (inet_pton(AF_INET, host.c_str(), v4) != 1) return {};
  out[10] = out[11] = 0xFF;
  std::memcpy(out + 12, v4, 4);
  return std::string(reinterpret_cast<char*>(out), 16);
}

std::string_view check_event(const Event& e) {
  if (!valid_action(e.action)) return "action";
  if (!is_text(e.actor_name)) return "actor_name";
  if (e.actor_kind == ActorKind::kUnspecified) return "actor_kind";
  if (e.result == Outcome::kUnspecified) return "result";
  const bool needs_id = e.actor_kind == ActorKind::kUser || e.actor_kind == ActorKind::kDevice;
  if (needs_id ? e.actor_id.size() != 16 : !e.actor_id.empty()) return "actor_id";
  const bool service = e.actor_kind == ActorKind::kService;
  if (service ? e.actor_name.empty() : !e.actor_name.empty()) return "actor_name";
  if (e.actor_name.size() > kMaxNameBytes) return "actor_name";
  const auto& type = e.target_type;
  if (type.size() > kMaxTargetTypeBytes || !std::all_of(type.begin(), type.end(), is_action_char)) return "target_type";
  if (e.target_id.size() > kMaxTargetIdBytes || (!e.target_id.empty() && e.target_type.empty())) return "target_id";
  if (!e.source_address.empty() && e.source_address.size() != 16) return "source_address";
  if (e.attributes.size() > kMaxAttributes) return "attributes";
  for (const auto& [k, v] : e.attributes) {
    if (!valid_key(k) || v.size() > kMaxAttributeValueBytes || !is_text(v)) return "attributes";
  }
  return {};
}

EventBuilder::EventBuilder(std::string_view action, const Id& tenant) {
  event_.time = std::chrono::system_clock::now();
  event_.event_id = new_event_id(event_.time);
  event_.tenant = tenant;
  event_.action = std::string(action);
}

EventBuilder& EventBuilder::user(std::string_view id16) {
  event_.actor_kind = ActorKind::kUser;
  event_.actor_id = std::string(id16);
  return *this;
}

EventBuilder& EventBuilder::device(std::string_view id16) {
  event_.actor_kind = ActorKind::kDevice;
  event_.actor_id = std::string(id16);
  return *this;
}

EventBuilder& EventBuilder::service(std::string_view name) {
  event_.actor_kind = ActorKind::kService;
  event_.actor_id.clear();
  event_.actor_name = printable(cut(name, kMaxNameBytes));
  return *this;
}

EventBuilder& EventBuilder::anonymous() {
  event_.actor_kind = ActorKind::kAnonymous;
  event_.actor_id.clear();
  event_.actor_name.clear();
  return *this;
}

EventBuilder& EventBuilder::target(std::string_view type, std::string_view id) {
  event_.target_type = cut(type, kMaxTargetTypeBytes);
  event_.target_id = std::string(id);
  return *this;
}

EventBuilder& EventBuilder::result(Outcome outcome) {
  event_.result = outcome;
  return *this;
}

EventBuilder& EventBuilder::source(std::string_view address_text) {
  event_.source_address = parse_address(address_text);
  return *this;
}

EventBuilder& EventBuilder::attribute(std::string_view key, std::string_view value) {
  if (event_.attributes.size() >= kMaxAttributes || !valid_key(key) || is_forbidden_key(key)) return *this;
  std::string v =
      log::looks_secret(value) ? std::string(log::kRedacted) : printable(cut(value, kMaxAttributeValueBytes));
  event_.attributes.emplace_back(std::string(key), std::move(v));
  return *this;
}

EventBuilder& EventBuilder::id(const Id& event_id) {
  event_.event_id = event_id;
  return *this;
}

EventBuilder& EventBuilder::at(std::chrono::system_clock::time_point time) {
  event_.time = time;
  return *this;
}

}  // namespace bw::auditclient
