// Pairings after the claim: lists, revocation, and device assertions (DESIGN §2, §3;
// docs/protocol.md, "Auth API").
//
// Guarantees:
//  - every pairing and device is looked up in the caller's tenant; one that is not the
//    caller's to see answers exactly like a missing one (404);
//  - a pairing can be revoked by a device taking part in it (device token), by its client
//    user, by the user owning its agent device, or by an admin or owner of the tenant;
//    revocation only removes authority and is idempotent (the first time is kept);
//  - a device assertion is issued only for a live client device of the caller that has a
//    live pairing, lives 5 minutes, carries the user's current role and cnf = SHA-256(C),
//    and is signed with the current key (jwt::TokenKind::kDeviceAssertion). The agent takes
//    the lower of the assertion's role and the pairing's.
#include <algorithm>
#include <map>
#include <set>

#include "api/api_support.hpp"
#include "api/pairing.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/jwt/jwt.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

constexpr std::int64_t kAssertionLifetimeS = 300;  // DESIGN §2: at most 10 minutes

http::Response pairing_not_found() { return error(404, "not_found", "no such pairing"); }

// Device names by id, each read once per request.
class DeviceNames {
 public:
  DeviceNames(const ApiCore& core, const store::Id& tenant_id) : core_(core), tenant_id_(tenant_id) {}
  std::string operator()(const store::Id& device_id) {
    auto it = names_.find(device_id);
    if (it != names_.end()) return it->second;
    auto d = core_.store().get_device(tenant_id_, device_id);
    return names_[device_id] = d ? d->name : std::string();
  }

 private:
  const ApiCore& core_;
  store::Id tenant_id_;
  std::map<store::Id, std::string> names_;
};

void write_pairing(json::Writer& w, const store::Pairing& p, std::string_view side, DeviceNames& names) {
  w.begin_object()
      .field("pairing_id", detail::id_hex(p.id))
      .field("side", side)
      .field("role", store::role_name(p.role))
      .field("agent_device_id", detail::id_hex(p.agent_device_id))
      .field("agent_device_name", names(p.agent_device_id))
      .field("client_device_id", detail::id_hex(p.client_device_id))
      .field("client_device_name", names(p.client_device_id))
      .field("client_user_id", detail::id_hex(p.client_user_id))
      .field("client_public_key", crypto::base64url_encode(p.client_public_key))
      .field("created_at", p.created_at)
      .key("revoked_at");
  if (p.revoked_at) w.value(*p.revoked_at);
  else w.null();
  w.end_object();
}

// {pairings: [...]}, oldest first; `side` names the caller's side of each pairing.
template <class SideOf>
http::Response pairing_list(const ApiCore& core, const store::Id& tenant_id, std::vector<store::Pairing> pairings,
                            SideOf side_of) {
  std::sort(pairings.begin(), pairings.end(), [](const auto& a, const auto& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  DeviceNames names(core, tenant_id);
  json::Writer w;
  w.begin_object().key("pairings").begin_array();
  for (const auto& p : pairings) write_pairing(w, p, side_of(p), names);
  w.end_array().end_object();
  return detail::json(200, w.take());
}

// GET /v1/pairings: the pairings of every device of the calling user, each once.
http::Response list_user_pairings(const ApiCore& core, PairingMetrics& m, const Caller& caller) {
  const auto count = [&](const char* result) { m.lists.add({{"caller", "user"}, {"result", result}}).Increment(); };
  auto devices = core.store().list_devices(caller.tenant.id, caller.user.id);
  if (!devices) return count("unavailable"), detail::unavailable();
  std::vector<store::Pairing> out;
  std::set<store::Id> seen;
  for (const auto& d : *devices) {
    auto pairings = core.store().list_pairings(caller.tenant.id, d.id);
    if (!pairings) return count("unavailable"), detail::unavailable();
    for (auto& p : *pairings) {
      if (seen.insert(p.id).second) out.push_back(std::move(p));
    }
  }
  count("ok");
  const auto user_id = caller.user.id;
  return pairing_list(core, caller.tenant.id, std::move(out),
                      [&](const store::Pairing& p) { return p.client_user_id == user_id ? "client" : "agent"; });
}

// GET /v1/device/pairings: the pairings the calling device takes part in.
http::Response list_device_pairings(const ApiCore& core, PairingMetrics& m, const DeviceCaller& device) {
  const auto count = [&](const char* result) { m.lists.add({{"caller", "device"}, {"result", result}}).Increment(); };
  auto pairings = core.store().list_pairings(device.tenant.id, device.device_id);
  if (!pairings) return count("unavailable"), detail::unavailable();
  count("ok");
  const auto device_id = device.device_id;
  return pairing_list(core, device.tenant.id, std::move(pairings.value()),
                      [&](const store::Pairing& p) { return p.agent_device_id == device_id ? "agent" : "client"; });
}

// ---- DELETE /v1/pairings/{id}

// Who is asking: a device (by device token) or a user (by access token).
struct Revoker {
  store::Id tenant_id{};
  std::optional<store::Id> device_id;
  store::Id user_id{};
  store::Role role = store::Role::kViewer;
};

bool bearer_is_device_token(const http::Request& request) {
  const auto header = request.header("authorization");
  constexpr std::string_view kBearer = "bearer ";
  if (!header || header->size() <= kBearer.size()) return false;
  return authcore::parse_token(header->substr(kBearer.size())) == authcore::TokenKind::kDevice;
}

// Why the revoker may revoke p ("agent_device", "client_device", "client_user", "agent_user",
// "admin"), or nullptr.
const char* revoke_right(const ApiCore& core, const Revoker& r, const store::Pairing& p) {
  if (r.device_id) {
    if (*r.device_id == p.agent_device_id) return "agent_device";
    if (*r.device_id == p.client_device_id) return "client_device";
    return nullptr;
  }
  if (p.client_user_id == r.user_id) return "client_user";
  if (auto agent = core.store().get_device(r.tenant_id, p.agent_device_id); agent && agent->user_id == r.user_id) {
    return "agent_user";
  }
  if (role_at_least(r.role, store::Role::kAdmin)) return "admin";
  return nullptr;
}

http::Response revoke(const ApiCore& core, PairingMetrics& m, const Revoker& r, const PathParams& params) {
  const auto count = [&](const char* result) { m.revocations.add({{"result", result}}).Increment(); };
  const auto id = detail::parse_id(params.at(0));
  if (!id) return count("not_found"), pairing_not_found();
  auto pairing = core.store().get_pairing(r.tenant_id, *id);
  if (!pairing) {
    if (store::has_code(pairing.error(), store::Errc::kNotFound)) return count("not_found"), pairing_not_found();
    return count("unavailable"), detail::unavailable();
  }
  const char* right = revoke_right(core, r, *pairing);
  if (!right) return count("not_found"), pairing_not_found();  // not theirs: the same as missing
  const bool already = pairing->revoked_at.has_value();
  if (!already) {
    if (auto st = core.store().revoke_pairing(r.tenant_id, *id, core.now()); !st) {
      return count("unavailable"), detail::unavailable();
    }
    auto now_revoked = core.store().get_pairing(r.tenant_id, *id);
    if (!now_revoked) return count("unavailable"), detail::unavailable();
    pairing = std::move(now_revoked);
    json::Writer a;
    a.begin_object()
        .field("pairing_id", detail::id_hex(*id))
        .field("by", right)
        .field("user_id", detail::id_hex(r.user_id));
    if (r.device_id) a.field("device_id", detail::id_hex(*r.device_id));
    a.field("agent_device_id", detail::id_hex(pairing->agent_device_id))
        .field("client_device_id", detail::id_hex(pairing->client_device_id))
        .end_object();
    core.audit(r.tenant_id, "pairing_revoked", a.take());
    log::info("pairing_revoked", {{"tenant_id", detail::id_hex(r.tenant_id)}, {"pairing_id", detail::id_hex(*id)}});
  }
  count(already ? "already_revoked" : "revoked");
  json::Writer w;
  w.begin_object()
      .field("pairing_id", detail::id_hex(*id))
      .field("revoked_at", pairing->revoked_at.value_or(0))
      .end_object();
  return detail::json(200, w.take());
}

http::Response revoke_route(const ApiCore& core, PairingMetrics& m, const http::Request& request,
                            const PathParams& params) {
  if (bearer_is_device_token(request)) {
    auto caller = core.authenticate_device(request);
    if (auto* refused = std::get_if<http::Response>(&caller)) return std::move(*refused);
    const auto& d = std::get<DeviceCaller>(caller);
    return revoke(core, m, Revoker{d.tenant.id, d.device_id, d.user.id, d.user.role}, params);
  }
  auto caller = core.authenticate(request, AuthOptions{store::Role::kViewer});
  if (auto* refused = std::get_if<http::Response>(&caller)) return std::move(*refused);
  const auto& c = std::get<Caller>(caller);
  return revoke(core, m, Revoker{c.tenant.id, std::nullopt, c.user.id, c.user.role}, params);
}

// ---- POST /v1/device/assertion

http::Response issue_assertion(const ApiCore& core, PairingMetrics& m, const http::Request& request,
                               const Caller& caller) {
  const auto count = [&](const char* result) { m.assertions.add({{"result", result}}).Increment(); };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto device_hex = fields->string("device_id", 1, 64);
  if (!device_hex) return count("invalid"), detail::bad_request(device_hex.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  const auto device_id = detail::parse_id(*device_hex);
  if (!device_id) {
    return count("invalid"), detail::bad_request(Error{static_cast<int>(json::JsonError::kOutOfRange),
                                                       "device_id: must be 32 hexadecimal characters"});
  }
  const auto not_found = error(404, "not_found", "no such client device");
  auto device = core.store().get_device(caller.tenant.id, *device_id);
  if (!device) {
    if (store::has_code(device.error(), store::Errc::kNotFound)) return count("not_found"), not_found;
    return count("unavailable"), detail::unavailable();
  }
  if (device->user_id != caller.user.id || device->kind != store::DeviceKind::kClient || device->revoked_at ||
      !valid_client_public_key(device->public_key)) {
    return count("not_found"), not_found;
  }
  auto pairings = core.store().list_pairings(caller.tenant.id, *device_id);
  if (!pairings) return count("unavailable"), detail::unavailable();
  const bool paired = std::any_of(pairings->begin(), pairings->end(), [&](const store::Pairing& p) {
    return p.client_device_id == *device_id && !p.revoked_at;
  });
  if (!paired) return count("not_paired"), error(409, "not_paired", "the device has no live pairing");
  const auto* key = core.deps().keys->signing_key();
  if (!key) return count("no_signing_key"), detail::unavailable();
  const std::int64_t now_s = core.now() / 1000;
  jwt::Claims c;
  c.issuer = core.options().issuer;
  c.audience = {core.options().audience};
  c.subject = detail::id_hex(caller.user.id);
  c.tenant = detail::id_hex(caller.tenant.id);
  c.role = std::string(store::role_name(caller.user.role));
  c.session = detail::id_hex(caller.session_id);
  c.device = detail::id_hex(*device_id);
  c.confirmation_key_sha256 = crypto::sha256(device->public_key);
  c.token_id = crypto::hex_encode(crypto::random(16));
  c.issued_at = now_s;
  c.expires_at = now_s + kAssertionLifetimeS;
  auto token = jwt::sign(*key, c, jwt::TokenKind::kDeviceAssertion);
  if (!token) return count("error"), error(500, "internal", "internal error");
  count("issued");
  json::Writer w;
  w.begin_object()
      .field("assertion", *token)
      .field("device_id", detail::id_hex(*device_id))
      .field("expires_in", kAssertionLifetimeS)
      .end_object();
  return detail::json(200, w.take());  // a credential: never cacheable
}

}  // namespace

void add_pairing_management_routes(Router& router, const ApiCore& core, std::shared_ptr<PairingMetrics> m) {
  core.add_authed(router, "GET", "/v1/pairings", AuthOptions{store::Role::kViewer},
                  [&core, m](const http::Request&, const Caller& c, const PathParams&) {
                    return list_user_pairings(core, *m, c);
                  });
  core.add_device_authed(router, "GET", "/v1/device/pairings", store::Role::kViewer,
                         [&core, m](const http::Request&, const DeviceCaller& d, const PathParams&) {
                           return list_device_pairings(core, *m, d);
                         });
  router.add("DELETE", "/v1/pairings/{id}", [&core, m](const http::Request& r, const PathParams& p) {
    return revoke_route(core, *m, r, p);
  });
  core.add_authed(router, "POST", "/v1/device/assertion", AuthOptions{store::Role::kViewer},
                  [&core, m](const http::Request& r, const Caller& c, const PathParams&) {
                    return issue_assertion(core, *m, r, c);
                  });
}

}  // namespace bw::auth::api
