// Pairings after the offer: the offering agent's view of its offer, pairing lists and
// revocation (DESIGN §3; docs/protocol.md, "Auth API").
//
// Guarantees:
//  - every offer, pairing and device is looked up in the caller's tenant; one that is not
//    the caller's to see answers exactly like a missing one (404);
//  - only the offering agent reads its offer, and learns who claimed (user, login, device,
//    key) only after the claim: what it shows its user before asking for the SAS;
//  - a pairing can be revoked by a device taking part in it (device token), by its client
//    user, by the user owning its agent device, or by an admin or owner of the tenant;
//    revocation only removes authority and is idempotent (the first time is kept).
#include <algorithm>
#include <map>
#include <set>

#include "api/api_support.hpp"
#include "api/pairing.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

http::Response pairing_not_found() { return error(404, "not_found", "no such pairing"); }
http::Response offer_not_found() { return error(404, "not_found", "no such pairing offer"); }

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

// ---- GET /v1/pairing/offers/{id}

const char* offer_status(const store::PairingOfferState& s, const std::optional<store::Pairing>& p, store::TimeMs now) {
  if (s.claimed_at) return p && p->revoked_at ? "revoked" : "claimed";
  if (now >= s.offer.expires_at) return "expired";
  if (s.attempts >= s.offer.max_attempts) return "exhausted";
  return "pending";
}

// Who claimed: what the agent shows its user before asking for the 6-digit SAS.
Status write_claimant(const ApiCore& core, json::Writer& w, const store::Pairing& p) {
  auto user = core.store().get_user(p.tenant_id, p.client_user_id);
  if (!user) return user.error();
  auto device = core.store().get_device(p.tenant_id, p.client_device_id);
  if (!device) return device.error();
  w.field("client_device_id", detail::id_hex(p.client_device_id))
      .field("client_user_id", detail::id_hex(p.client_user_id))
      .field("client_login", user->login)
      .field("client_device_name", device->name)
      .field("client_public_key", crypto::base64url_encode(p.client_public_key))
      .field("claimed_at", p.created_at);
  return {};
}

http::Response get_offer(const ApiCore& core, PairingMetrics& m, const DeviceCaller& agent, const PathParams& params) {
  const auto count = [&](const char* result) { m.offer_reads.add({{"result", result}}).Increment(); };
  const auto id = detail::parse_id(params.at(0));
  if (!id) return count("not_found"), offer_not_found();
  auto state = core.store().get_pairing_offer(agent.tenant.id, *id);
  if (!state) {
    if (store::has_code(state.error(), store::Errc::kNotFound)) return count("not_found"), offer_not_found();
    return count("unavailable"), detail::unavailable();
  }
  // Only the offering agent may look; anyone else gets the missing-offer answer.
  if (state->offer.agent_device_id != agent.device_id) return count("not_found"), offer_not_found();
  std::optional<store::Pairing> pairing;
  if (state->claimed_at) {
    auto p = core.store().get_pairing(agent.tenant.id, *id);
    if (!p) return count("unavailable"), detail::unavailable();
    pairing = std::move(p.value());
  }
  const char* status = offer_status(*state, pairing, core.now());
  json::Writer w;
  w.begin_object()
      .field("pairing_id", detail::id_hex(*id))
      .field("status", status)
      .field("role", store::role_name(state->offer.role))
      .field("expires_at", state->offer.expires_at)
      .field("attempts_left", std::max(0, state->offer.max_attempts - state->attempts));
  if (pairing) {
    if (auto st = write_claimant(core, w, *pairing); !st) return count("unavailable"), detail::unavailable();
  }
  w.end_object();
  count(status);
  return detail::json(200, w.take());
}


}  // namespace

void add_pairing_management_routes(Router& router, const ApiCore& core, std::shared_ptr<PairingMetrics> m) {
  core.add_device_authed(router, "GET", "/v1/pairing/offers/{id}", store::Role::kViewer,
                         [&core, m](const http::Request&, const DeviceCaller& d, const PathParams& p) {
                           return get_offer(core, *m, d, p);
                         });
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
}

}  // namespace bw::auth::api
