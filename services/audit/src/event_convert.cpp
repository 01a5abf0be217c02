// See event_convert.hpp.
#include "event_convert.hpp"

#include <algorithm>

#include "bw/audit/merkle.hpp"
#include "errors.hpp"

namespace bw::auditsvc {
namespace v1 = breakwater::audit::v1;

namespace {

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string string_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

Result<audit::store::TenantId> id16(const std::string& bytes, const char* field) {
  audit::store::TenantId id{};
  if (bytes.size() != id.size()) return make_error(Errc::kInvalidArgument, std::string(field) + " must be 16 bytes");
  std::copy(bytes.begin(), bytes.end(), id.begin());
  return id;
}

Result<audit::Event> from_wire(const v1::Event& wire) {
  audit::Event e;
  auto event_id = id16(wire.event_id(), "event_id");
  if (!event_id) return event_id.error();
  auto tenant = id16(wire.tenant(), "tenant");
  if (!tenant) return tenant.error();
  e.event_id = *event_id;
  e.tenant = *tenant;
  if (!wire.has_time() || wire.time().seconds() < 0 || wire.time().nanos() < 0 || wire.time().nanos() >= 1'000'000'000) {
    return make_error(Errc::kInvalidArgument, "time must be set and not before 1970");
  }
  e.time_ms = static_cast<std::uint64_t>(wire.time().seconds()) * 1000 + static_cast<std::uint64_t>(wire.time().nanos()) / 1'000'000;
  e.actor_kind = static_cast<audit::ActorKind>(std::clamp<int>(wire.actor().kind(), 0, 255));
  e.actor_id = bytes_of(wire.actor().id());
  e.actor_name = wire.actor().name();
  e.action = wire.action();
  e.target_type = wire.target().type();
  e.target_id = bytes_of(wire.target().id());
  e.result = static_cast<audit::Outcome>(std::clamp<int>(wire.result(), 0, 255));
  e.source_address = bytes_of(wire.source_address());
  if (wire.attributes_size() > static_cast<int>(audit::kMaxAttributes)) {
    return make_error(Errc::kInvalidArgument, "attributes: more than 16");
  }
  for (const auto& [k, v] : wire.attributes()) e.attributes.emplace(k, v);
  e.producer = wire.producer();
  if (auto st = audit::validate(e); !st) return from_audit(st.error(), "event");
  return e;
}

void to_wire(const audit::Event& e, v1::Event* wire) {
  wire->set_event_id(std::string(e.event_id.begin(), e.event_id.end()));
  wire->set_tenant(std::string(e.tenant.begin(), e.tenant.end()));
  wire->mutable_time()->set_seconds(static_cast<std::int64_t>(e.time_ms / 1000));
  wire->mutable_time()->set_nanos(static_cast<std::int32_t>(e.time_ms % 1000) * 1'000'000);
  wire->mutable_actor()->set_kind(static_cast<v1::Actor::Kind>(e.actor_kind));
  wire->mutable_actor()->set_id(string_of(e.actor_id));
  wire->mutable_actor()->set_name(e.actor_name);
  wire->set_action(e.action);
  wire->mutable_target()->set_type(e.target_type);
  wire->mutable_target()->set_id(string_of(e.target_id));
  wire->set_result(static_cast<v1::Result>(e.result));
  wire->set_source_address(string_of(e.source_address));
  for (const auto& [k, v] : e.attributes) (*wire->mutable_attributes())[k] = v;
  wire->set_producer(e.producer);
}

Result<audit::store::Entry> to_row(const audit::Event& e) {
  auto data = audit::encode_event(e);
  if (!data) return from_audit(data.error(), "event");
  audit::store::Entry row;
  row.tenant = e.tenant;
  row.event_id = e.event_id;
  row.event_time_ms = static_cast<std::int64_t>(e.time_ms);
  row.actor_kind = static_cast<int>(e.actor_kind);
  row.actor_id = e.actor_id;
  row.action = e.action;
  row.result = static_cast<int>(e.result);
  row.target_type = e.target_type;
  row.target_id = e.target_id;
  row.source_address = e.source_address;
  row.producer = e.producer;
  row.leaf_hash = audit::leaf_hash(*data);
  row.leaf_data = std::move(data.value());
  return row;
}

Status to_stored(const audit::store::Entry& row, v1::StoredEvent* out) {
  if (audit::leaf_hash(row.leaf_data) != row.leaf_hash) {
    return make_error(Errc::kInternal, "stored leaf " + std::to_string(row.leaf_index) + " does not match its hash");
  }
  auto event = audit::decode_event(row.leaf_data);
  if (!event) return make_error(Errc::kInternal, "stored leaf " + std::to_string(row.leaf_index) + " does not decode");
  to_wire(*event, out->mutable_event());
  out->set_leaf_index(static_cast<std::uint64_t>(row.leaf_index));
  out->set_leaf_hash(std::string(row.leaf_hash.begin(), row.leaf_hash.end()));
  out->mutable_recorded_at()->set_seconds(row.recorded_at_ms / 1000);
  out->mutable_recorded_at()->set_nanos(static_cast<std::int32_t>(row.recorded_at_ms % 1000) * 1'000'000);
  return {};
}

}  // namespace bw::auditsvc
