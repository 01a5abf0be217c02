// Event → breakwater.audit.v1.Event (see to_proto.hpp).
#include "bw/auditclient/to_proto.hpp"

namespace bw::auditclient {

breakwater::audit::v1::Event to_proto(const Event& e, std::string_view producer) {
  namespace pb = breakwater::audit::v1;
  pb::Event out;
  out.set_event_id(e.event_id.data(), e.event_id.size());
  out.set_tenant(e.tenant.data(), e.tenant.size());
  const auto since_epoch = e.time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  out.mutable_time()->set_seconds(seconds.count());
  out.mutable_time()->set_nanos(
      static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count()));
  out.mutable_actor()->set_kind(static_cast<pb::Actor::Kind>(e.actor_kind));
  out.mutable_actor()->set_id(e.actor_id);
  out.mutable_actor()->set_name(e.actor_name);
  out.set_action(e.action);
  out.mutable_target()->set_type(e.target_type);
  out.mutable_target()->set_id(e.target_id);
  out.set_result(static_cast<pb::Result>(e.result));
  out.set_source_address(e.source_address);
  for (const auto& [k, v] : e.attributes) (*out.mutable_attributes())[k] = v;
  out.set_producer(std::string(producer));
  return out;
}

}  // namespace bw::auditclient
