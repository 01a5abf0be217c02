// Audit events as producers build them (DESIGN §6, protos/breakwater/audit/v1/audit.proto).
//
// An event says who (actor) did what (action) to which object (target), with what result,
// for which tenant, when and from where. It NEVER carries secrets or content: producers
// must never put tokens (access, refresh, device, bootstrap), codes (TOTP, recovery,
// pairing), passwords, keys or key material, signatures, or any message or envelope
// content into an event — not as an attribute, not inside an id or a name. Ids are opaque
// 16-byte identifiers; free text belongs in logs (which are redacted), not in the audit log.
//
// EventBuilder makes the safe path the easy one: attribute keys that name a secret
// (bw::log::is_secret_field: token, password, key, otp, ...) or a code or content (code,
// content, ciphertext, body, message, prompt, signature, payload) are refused, values that
// look like a credential are replaced by "[redacted]", every string is cut to a fixed
// bound, and at most kMaxAttributes attributes are kept. check_event() states the limits
// the client enforces before sending, so one bad event never poisons a batch.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bw::auditclient {

using Id = std::array<std::uint8_t, 16>;

// The tenant of events with no known tenant (e.g. a connection that failed to
// authenticate): all zero. The audit service keeps it as the operators' log.
inline constexpr Id kOperatorsTenant{};

enum class ActorKind { kUnspecified = 0, kUser = 1, kDevice = 2, kService = 3, kAnonymous = 4 };
enum class Outcome { kUnspecified = 0, kSuccess = 1, kFailure = 2, kDenied = 3 };

inline constexpr std::size_t kMaxAttributes = 8;
inline constexpr std::size_t kMaxAttributeKeyBytes = 32;
inline constexpr std::size_t kMaxAttributeValueBytes = 128;
inline constexpr std::size_t kMaxActionBytes = 64;
inline constexpr std::size_t kMaxNameBytes = 64;  // actor name
inline constexpr std::size_t kMaxTargetTypeBytes = 32;
inline constexpr std::size_t kMaxTargetIdBytes = 64;

struct Event {
  Id event_id{};  // idempotency key: the same id is appended once, however often sent
  Id tenant{};
  std::chrono::system_clock::time_point time{};
  ActorKind actor_kind = ActorKind::kUnspecified;
  std::string actor_id;    // 16 bytes for kUser / kDevice, else empty
  std::string actor_name;  // for kService
  std::string action;      // dotted lower case: "auth.login"
  std::string target_type;
  std::string target_id;   // usually 16 bytes; may be empty
  Outcome result = Outcome::kUnspecified;
  std::string source_address;  // 16 bytes (IPv4 mapped into IPv6) or empty
  std::vector<std::pair<std::string, std::string>> attributes;
};

// A new event id made at `at`: time-ordered (the UUIDv7 layout of bw/time_ordered_id.hpp:
// 48-bit Unix milliseconds, then 74 bits from the CSPRNG), so the audit service's index of
// event ids grows at its end instead of taking one random page per event.
Id new_event_id(std::chrono::system_clock::time_point at);

// Copies a 16-byte string into an Id; false (and `out` untouched) for any other length.
bool to_id(std::string_view bytes, Id& out);

// "1.2.3.4", "1.2.3.4:5678", "::1", "[::1]:443" → 16 bytes (IPv4 mapped); "" if not an address.
std::string parse_address(std::string_view text);

// Why the client would refuse to send this event ("" if it is fine). The same limits as
// the audit service (libs/audit validate()), or tighter: action and target type of
// [a-z0-9._]; actor kind and result set (not unspecified); a 16-byte id for a user or
// device actor, none otherwise; a name only for a service actor; target id ≤ 64 bytes and
// only with a target type; address 0 or 16 bytes; ≤ 8 attributes with snake-case keys and
// values ≤ 128 bytes without control characters.
std::string_view check_event(const Event& event);

// Builds one event. The actor (user/device/service/anonymous) and the result must be set
// (check_event refuses an event without them); the rest is optional. The event id is
// random and the time is now unless set.
class EventBuilder {
 public:
  EventBuilder(std::string_view action, const Id& tenant);

  EventBuilder& user(std::string_view id16);
  EventBuilder& device(std::string_view id16);
  EventBuilder& service(std::string_view name);
  EventBuilder& anonymous();
  EventBuilder& target(std::string_view type, std::string_view id = {});
  EventBuilder& result(Outcome outcome);
  // Address text as in parse_address(); unparseable text leaves the address empty.
  EventBuilder& source(std::string_view address_text);
  // Adds key=value unless the key names a secret or kMaxAttributes are already set; a
  // value that looks like a credential becomes "[redacted]"; both are cut to their bounds.
  EventBuilder& attribute(std::string_view key, std::string_view value);
  EventBuilder& id(const Id& event_id);
  EventBuilder& at(std::chrono::system_clock::time_point time);

  Event build() const { return event_; }
  const Event& peek() const { return event_; }

 private:
  Event event_;
};

}  // namespace bw::auditclient
