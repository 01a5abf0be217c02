// A valid event with every field set, for the event and checkpoint tests. The same event is
// the sample of testdata/make_golden.py (the independent Python encoder).
#pragma once

#include "bw/audit/event.hpp"

namespace bw::audit::testing {

inline Id id_from(std::uint8_t first) {
  Id id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(first + i);
  return id;
}

inline Event sample_event() {
  Event e;
  e.event_id = id_from(0x00);
  e.tenant = id_from(0x10);
  e.time_ms = 1767225600123;  // 2026-01-01T00:00:00.123Z
  e.actor_kind = ActorKind::kUser;
  const Id user = id_from(0x20);
  e.actor_id.assign(user.begin(), user.end());
  e.action = "auth.login";
  e.target_type = "user";
  e.target_id = e.actor_id;
  e.result = Outcome::kSuccess;
  e.source_address = Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
  e.attributes = {{"reason", "ok"}, {"method", "password"}, {"client", "cli 1.0 \xc3\xa9"}};
  e.producer = "auth";
  return e;
}

}  // namespace bw::audit::testing
