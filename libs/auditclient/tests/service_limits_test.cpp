// check_event() must never pass an event the audit service refuses: every event it accepts
// is converted here as the service converts the wire message and run through libs/audit's
// validate() (the service's own check).
#include <gtest/gtest.h>

#include "bw/audit/event.hpp"
#include "bw/auditclient/event.hpp"

namespace bw::auditclient {
namespace {

const Id kTenant{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3};

audit::Event as_service_sees_it(const Event& e, std::string producer) {
  audit::Event out;
  out.event_id = e.event_id;
  out.tenant = e.tenant;
  out.time_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(e.time.time_since_epoch()).count());
  out.actor_kind = static_cast<audit::ActorKind>(e.actor_kind);
  out.actor_id = Bytes(e.actor_id.begin(), e.actor_id.end());
  out.actor_name = e.actor_name;
  out.action = e.action;
  out.target_type = e.target_type;
  out.target_id = Bytes(e.target_id.begin(), e.target_id.end());
  out.result = static_cast<audit::Outcome>(e.result);
  out.source_address = Bytes(e.source_address.begin(), e.source_address.end());
  for (const auto& [k, v] : e.attributes) out.attributes.emplace(k, v);
  out.producer = std::move(producer);
  return out;
}

TEST(ServiceLimits, EveryEventCheckEventAcceptsIsValidForTheAuditService) {
  const std::string id16(16, '\x11');
  const std::vector<Event> events = {
      EventBuilder("auth.login", kTenant).user(id16).target("user", id16).result(Outcome::kSuccess)
          .source("192.0.2.1").attribute("amr", "pwd otp").build(),
      EventBuilder("relay.envelope.rejected", kOperatorsTenant).device(id16).target("device", id16)
          .result(Outcome::kDenied).attribute("reason", "replayed_nonce").attribute("count", "49").build(),
      EventBuilder("auth.signing_key.rotated", kTenant).service("auth-operator").target("signing_key", "k00112233")
          .result(Outcome::kSuccess).build(),
      EventBuilder("ratelimit.lockout.started", kOperatorsTenant).anonymous().target("account", std::string(64, 'h'))
          .result(Outcome::kDenied).source("[2001:db8::1]:443").build(),
      EventBuilder("a.b", kTenant).anonymous().result(Outcome::kFailure)
          .attribute("reason", std::string(1000, 'x'))                  // cut to 128 bytes
          .attribute("detail", std::string("tab\there\x7f", 9))         // controls replaced
          .attribute("note", "caf\xC3\xA9 " + std::string(200, '\xC3'))  // cut, never inside a sequence
          .build(),
  };
  for (const auto& e : events) {
    ASSERT_EQ(check_event(e), "") << e.action;
    const auto st = audit::validate(as_service_sees_it(e, "relay"));
    EXPECT_TRUE(st.ok()) << e.action << ": " << (st.ok() ? "" : st.error().message);
  }
}

}  // namespace
}  // namespace bw::auditclient
