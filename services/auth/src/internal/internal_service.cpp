// AuthInternal over the Store and the live key set (internal_service.hpp).
#include "internal/internal_service.hpp"

#include <string>
#include <vector>

#include "bw/authcore/tokens.hpp"
#include "bw/log/log.hpp"
#include "internal/proto_convert.hpp"
#include "store/errors.hpp"

namespace bw::auth::internal {
namespace {

namespace v1 = breakwater::auth::v1;

// One message for every refused credential, so the answer is no oracle.
const grpc::Status kUnauthenticated{grpc::StatusCode::UNAUTHENTICATED, "device token not valid"};
const grpc::Status kNotFound{grpc::StatusCode::NOT_FOUND, "not found"};
const grpc::Status kUnavailable{grpc::StatusCode::UNAVAILABLE, "auth store unavailable; retry"};

grpc::Status invalid(const char* what) { return {grpc::StatusCode::INVALID_ARGUMENT, what}; }

bool not_found(const Error& e) { return store::has_code(e, store::Errc::kNotFound); }

void log_store_error(const char* method, const Error& e) {
  log::warn("internal_api_store_error", {{"method", method}, {"error", e.message}});
}

}  // namespace

AuthInternalService::AuthInternalService(std::shared_ptr<store::Store> store, api::LiveKeySet keys,
                                         metrics::Factory& metrics)
    : store_(std::move(store)),
      keys_(std::move(keys)),
      requests_(metrics.counter("internal_requests", "internal gRPC API calls by method and result")) {}

grpc::Status AuthInternalService::done(const char* method, const char* result, grpc::Status status) const {
  requests_.add({{"method", method}, {"result", result}}).Increment();
  return status;
}

grpc::Status AuthInternalService::ValidateDeviceToken(grpc::ServerContext*, const v1::ValidateDeviceTokenRequest* req,
                                                      v1::DeviceIdentity* res) {
  constexpr const char* kMethod = "validate_device_token";
  const std::string& token = req->device_token();
  if (token.empty() || token.size() > kMaxDeviceTokenBytes) {
    return done(kMethod, "invalid", invalid("device_token: 1 to 256 bytes"));
  }
  std::optional<store::Id> expected;
  if (!req->expected_tenant().empty()) {
    expected = id_from_bytes(req->expected_tenant());
    if (!expected) return done(kMethod, "invalid", invalid("expected_tenant: 16 bytes"));
  }
  if (authcore::parse_token(token) != authcore::TokenKind::kDevice) return done(kMethod, "malformed", kUnauthenticated);
  auto owner = store_->find_device_token(authcore::token_hash(token));
  if (!owner) {
    if (not_found(owner.error())) return done(kMethod, "unknown", kUnauthenticated);
    log_store_error(kMethod, owner.error());
    return done(kMethod, "unavailable", kUnavailable);
  }
  if (expected && *expected != owner->tenant_id) return done(kMethod, "wrong_tenant", kUnauthenticated);
  auto user = store_->get_user(owner->tenant_id, owner->user_id);
  if (!user) {
    if (not_found(user.error())) return done(kMethod, "unknown", kUnauthenticated);
    log_store_error(kMethod, user.error());
    return done(kMethod, "unavailable", kUnavailable);
  }
  if (user->disabled_at) return done(kMethod, "disabled_user", kUnauthenticated);
  res->set_tenant(id_bytes(owner->tenant_id));
  res->set_user(id_bytes(owner->user_id));
  res->set_device(id_bytes(owner->device_id));
  res->set_kind(kind_to_proto(owner->kind));
  res->set_role(role_to_proto(user->role));
  res->set_revocation_epoch(static_cast<std::uint64_t>(user->revoke_epoch));
  return done(kMethod, "ok");
}

grpc::Status AuthInternalService::GetKeySet(grpc::ServerContext*, const v1::GetKeySetRequest*, v1::KeySet* res) {
  const auto keys = keys_.current();
  if (!keys) return done("get_key_set", "unavailable", kUnavailable);
  key_set_to_proto(*keys, kKeySetMaxAgeSeconds, *res);
  return done("get_key_set", "ok");
}

Result<store::Pairing> AuthInternalService::effective(store::Pairing pairing) const {
  auto user = store_->get_user(pairing.tenant_id, pairing.client_user_id);
  if (!user) {
    if (!not_found(user.error())) {
      log_store_error("effective_pairing", user.error());
      return user.error();
    }
    if (!pairing.revoked_at) pairing.revoked_at = pairing.created_at;
    return pairing;
  }
  if (user->disabled_at && !pairing.revoked_at) pairing.revoked_at = *user->disabled_at;
  // store::Role runs from owner to viewer: the larger value is the lower role.
  if (static_cast<int>(user->role) > static_cast<int>(pairing.role)) pairing.role = user->role;
  return pairing;
}

grpc::Status AuthInternalService::LookupPairing(grpc::ServerContext*, const v1::LookupPairingRequest* req,
                                                v1::Pairing* res) {
  constexpr const char* kMethod = "lookup_pairing";
  const auto tenant = id_from_bytes(req->tenant());
  if (!tenant) return done(kMethod, "invalid", invalid("tenant: 16 bytes"));
  if (req->key_case() == v1::LookupPairingRequest::kPairingId) {
    const auto id = id_from_bytes(req->pairing_id());
    if (!id) return done(kMethod, "invalid", invalid("pairing_id: 16 bytes"));
    auto pairing = store_->get_pairing(*tenant, *id);
    if (!pairing) {
      if (not_found(pairing.error())) return done(kMethod, "not_found", kNotFound);
      log_store_error(kMethod, pairing.error());
      return done(kMethod, "unavailable", kUnavailable);
    }
    auto now = effective(std::move(pairing.value()));
    if (!now) return done(kMethod, "unavailable", kUnavailable);
    pairing_to_proto(*now, *res);
    return done(kMethod, "ok");
  }
  if (req->key_case() != v1::LookupPairingRequest::kDevices) {
    return done(kMethod, "invalid", invalid("key: pairing_id or devices is required"));
  }
  const auto agent = id_from_bytes(req->devices().agent_device());
  if (!agent) return done(kMethod, "invalid", invalid("devices.agent_device: 16 bytes"));
  const auto client = id_from_bytes(req->devices().client_device());
  if (!client) return done(kMethod, "invalid", invalid("devices.client_device: 16 bytes"));
  auto pairings = store_->list_pairings(*tenant, *agent);
  if (!pairings) {
    log_store_error(kMethod, pairings.error());
    return done(kMethod, "unavailable", kUnavailable);
  }
  // A pair has at most one live pairing; without one, the newest revoked one (oldest first).
  const store::Pairing* found = nullptr;
  for (const auto& p : *pairings) {
    if (p.agent_device_id != *agent || p.client_device_id != *client) continue;
    if (!p.revoked_at || !found || found->revoked_at) found = &p;
  }
  if (!found) return done(kMethod, "not_found", kNotFound);
  auto now = effective(*found);
  if (!now) return done(kMethod, "unavailable", kUnavailable);
  pairing_to_proto(*now, *res);
  return done(kMethod, "ok");
}

grpc::Status AuthInternalService::ListPairings(grpc::ServerContext*, const v1::ListPairingsRequest* req,
                                               v1::ListPairingsResponse* res) {
  constexpr const char* kMethod = "list_pairings";
  const auto tenant = id_from_bytes(req->tenant());
  if (!tenant) return done(kMethod, "invalid", invalid("tenant: 16 bytes"));
  const auto device = id_from_bytes(req->device());
  if (!device) return done(kMethod, "invalid", invalid("device: 16 bytes"));
  // An unknown device and a device of another tenant are one answer: NOT_FOUND.
  auto known = store_->get_device(*tenant, *device);
  if (!known) {
    if (not_found(known.error())) return done(kMethod, "not_found", kNotFound);
    log_store_error(kMethod, known.error());
    return done(kMethod, "unavailable", kUnavailable);
  }
  auto pairings = store_->list_pairings(*tenant, *device);
  if (!pairings) {
    log_store_error(kMethod, pairings.error());
    return done(kMethod, "unavailable", kUnavailable);
  }
  for (const auto& p : *pairings) {
    auto now = effective(p);
    if (!now) return done(kMethod, "unavailable", kUnavailable);
    if (now->revoked_at && !req->include_revoked()) continue;
    pairing_to_proto(*now, *res->add_pairings());
  }
  return done(kMethod, "ok");
}

grpc::Status AuthInternalService::GetRevocationEpoch(grpc::ServerContext*, const v1::GetRevocationEpochRequest* req,
                                                     v1::GetRevocationEpochResponse* res) {
  constexpr const char* kMethod = "get_revocation_epoch";
  const auto tenant = id_from_bytes(req->tenant());
  if (!tenant) return done(kMethod, "invalid", invalid("tenant: 16 bytes"));
  const auto user_id = id_from_bytes(req->user());
  if (!user_id) return done(kMethod, "invalid", invalid("user: 16 bytes"));
  auto user = store_->get_user(*tenant, *user_id);
  if (!user) {
    if (not_found(user.error())) return done(kMethod, "not_found", kNotFound);
    log_store_error(kMethod, user.error());
    return done(kMethod, "unavailable", kUnavailable);
  }
  res->set_revocation_epoch(static_cast<std::uint64_t>(user->revoke_epoch));
  return done(kMethod, "ok");
}

}  // namespace bw::auth::internal
