// Store rows to breakwater.auth.v1 messages (proto_convert.hpp).
#include "internal/proto_convert.hpp"

#include <algorithm>

namespace bw::auth::internal {
namespace {

namespace common = breakwater::common::v1;
namespace v1 = breakwater::auth::v1;

void set_time(google::protobuf::Timestamp& t, store::TimeMs ms) {
  t.set_seconds(ms / 1000);
  t.set_nanos(static_cast<std::int32_t>((ms % 1000) * 1'000'000));
}

}  // namespace

std::optional<store::Id> id_from_bytes(std::string_view bytes) {
  store::Id id{};
  if (bytes.size() != id.size()) return std::nullopt;
  std::copy(bytes.begin(), bytes.end(), id.begin());
  return id;
}

std::string id_bytes(const store::Id& id) { return std::string(id.begin(), id.end()); }

common::Role role_to_proto(store::Role role) {
  switch (role) {
    case store::Role::kOwner: return common::ROLE_OWNER;
    case store::Role::kAdmin: return common::ROLE_ADMIN;
    case store::Role::kMember: return common::ROLE_MEMBER;
    case store::Role::kViewer: return common::ROLE_VIEWER;
  }
  return common::ROLE_UNSPECIFIED;
}

common::DeviceKind kind_to_proto(store::DeviceKind kind) {
  return kind == store::DeviceKind::kAgent ? common::DEVICE_KIND_AGENT : common::DEVICE_KIND_CLIENT;
}

void pairing_to_proto(const store::Pairing& p, v1::Pairing& out) {
  out.set_tenant(id_bytes(p.tenant_id));
  out.set_pairing_id(id_bytes(p.id));
  out.set_agent_device(id_bytes(p.agent_device_id));
  out.set_client_device(id_bytes(p.client_device_id));
  out.set_client_user(id_bytes(p.client_user_id));
  out.set_role(role_to_proto(p.role));
  out.set_state(p.revoked_at ? v1::Pairing::REVOKED : v1::Pairing::ACTIVE);
  set_time(*out.mutable_created_at(), p.created_at);
  if (p.revoked_at) set_time(*out.mutable_revoked_at(), *p.revoked_at);
  out.set_client_public_key(std::string(p.client_public_key.begin(), p.client_public_key.end()));
}

void key_set_to_proto(const jwt::KeySet& keys, std::int64_t max_age_s, v1::KeySet& out) {
  const jwt::SigningKey* signing = keys.signing_key();
  for (const auto& k : keys.keys()) {
    auto* key = out.add_keys();
    key->set_kid(k.kid);
    key->set_public_key(std::string(k.public_key.begin(), k.public_key.end()));
    const bool active = signing != nullptr && signing->kid() == k.kid;
    key->set_status(active ? v1::SigningKey::ACTIVE : v1::SigningKey::PREVIOUS);
  }
  out.mutable_max_age()->set_seconds(max_age_s);
}

}  // namespace bw::auth::internal
