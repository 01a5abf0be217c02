// Device routes (modules.hpp): the grant by which agents register (device_grant.cpp),
// then the devices of a user — list, rename, revoke — and an agent's own identity.
//
// Who may touch a device: its owner, or an admin or owner of the tenant when the device's
// owner ranks at or below them (an admin cannot revoke an owner's devices). Listing
// another user's devices needs admin or owner. Every id is looked up inside the caller's
// tenant: another tenant's device or user answers 404 exactly like a missing one.
// Revoking a device revokes its tokens and pairings in one transaction (Store::
// revoke_device): the next request with its token is refused (ApiCore::authenticate_device
// reads the store on every request).
#include <memory>

#include "api/api_support.hpp"
#include "api/role_rules.hpp"
#include "api/device_codes.hpp"
#include "api/device_grant.hpp"
#include "api/modules.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

struct DeviceMetrics {
  explicit DeviceMetrics(metrics::Factory& f)
      : actions(f.counter("device_actions", "device list, rename, revoke and self requests by action and result")) {}
  metrics::Family<prometheus::Counter> actions;
};

using Count = std::function<void(const char*)>;

Count counter(DeviceMetrics& m, const char* action) {
  return [&m, action](const char* result) { m.actions.add({{"action", action}, {"result", result}}).Increment(); };
}

http::Response not_found() { return error(404, "not_found", "no such device"); }

std::string_view kind_name(store::DeviceKind kind) { return kind == store::DeviceKind::kAgent ? "agent" : "client"; }

void write_device(json::Writer& w, const store::Device& d) {
  w.begin_object()
      .field("device_id", detail::id_hex(d.id))
      .field("user_id", detail::id_hex(d.user_id))
      .field("kind", kind_name(d.kind))
      .field("name", d.name)
      .field("created_at", static_cast<std::int64_t>(d.created_at));
  w.key("revoked_at");
  if (d.revoked_at) {
    w.value(static_cast<std::int64_t>(*d.revoked_at));
  } else {
    w.null();
  }
  w.end_object();
}

// The value of `user` in the query; an error naming any other parameter.
Result<std::optional<std::string>> user_param(std::string_view query) {
  std::optional<std::string> user;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != "user" || eq == std::string_view::npos || user) {
      return Error{static_cast<int>(json::JsonError::kUnknownField), "query: only one parameter, user=<id>, is defined"};
    }
    user = std::string(pair.substr(eq + 1));
  }
  return user;
}

http::Response list(const ApiCore& core, DeviceMetrics& m, const http::Request& request, const Caller& caller) {
  const auto count = counter(m, "list");
  auto param = user_param(request.query);
  if (!param) return count("invalid"), detail::bad_request(param.error());
  store::Id user_id = caller.user.id;
  if (*param) {
    const auto id = detail::parse_id(**param);
    if (!id) return count("invalid"), error(400, "invalid_request", "user: not a user id");
    user_id = *id;
  }
  if (user_id != caller.user.id) {
    if (!role_at_least(caller.user.role, store::Role::kAdmin)) {
      return count("forbidden"), error(403, "forbidden", "only an admin or owner may list another user's devices");
    }
    if (auto u = core.store().get_user(caller.tenant.id, user_id); !u) {
      if (store::has_code(u.error(), store::Errc::kNotFound)) return count("not_found"), error(404, "not_found", "no such user");
      return count("unavailable"), detail::unavailable();
    }
  }
  auto devices = core.store().list_devices(caller.tenant.id, user_id);
  if (!devices) return count("unavailable"), detail::unavailable();
  json::Writer w;
  w.begin_object().key("devices").begin_array();
  for (const auto& d : *devices) write_device(w, d);
  w.end_array().end_object();
  count("ok");
  return detail::json(200, w.take());
}

// The device, if the caller may manage it (see the file comment); else the response to send.
std::variant<store::Device, http::Response> managed_device(const ApiCore& core, const Caller& caller,
                                                           const std::string& id_text, const Count& count) {
  const auto id = detail::parse_id(id_text);
  if (!id) return count("not_found"), not_found();
  auto device = core.store().get_device(caller.tenant.id, *id);
  if (!device) {
    if (store::has_code(device.error(), store::Errc::kNotFound)) return count("not_found"), not_found();
    return count("unavailable"), detail::unavailable();
  }
  if (device->user_id == caller.user.id) return std::move(device.value());
  auto owner = core.store().get_user(caller.tenant.id, device->user_id);
  if (!owner) {
    if (store::has_code(owner.error(), store::Errc::kNotFound)) return count("not_found"), not_found();
    return count("unavailable"), detail::unavailable();
  }
  // The same rank rule as for the user (role_rules.hpp): an owner manages anyone's devices,
  // an admin only those of members and viewers.
  if (!may_manage(caller.user.role, owner->role)) {
    return count("forbidden"),
           error(403, "forbidden", "only the device's owner, or a user who may manage its owner, may do this");
  }
  return std::move(device.value());
}

http::Response rename(const ApiCore& core, DeviceMetrics& m, const http::Request& request, const Caller& caller,
                      const PathParams& params) {
  const auto count = counter(m, "rename");
  auto name = detail::parse_device_name_body(request.body);
  if (!name) return count("invalid"), detail::bad_request(name.error());
  auto device = managed_device(core, caller, params[0], count);
  if (auto* refused = std::get_if<http::Response>(&device)) return std::move(*refused);
  auto& d = std::get<store::Device>(device);
  if (d.revoked_at) return count("revoked"), error(409, "device_revoked", "a revoked device cannot be renamed");
  if (auto st = core.store().rename_device(caller.tenant.id, d.id, *name); !st) {
    if (store::has_code(st.error(), store::Errc::kNotFound)) return count("not_found"), not_found();
    return count("unavailable"), detail::unavailable();
  }
  d.name = *name;
  json::Writer w;
  write_device(w, d);
  count("ok");
  return detail::json(200, w.take());
}

http::Response revoke(const ApiCore& core, DeviceMetrics& m, const http::Request& request, const Caller& caller,
                      const PathParams& params) {
  const auto count = counter(m, "revoke");
  auto device = managed_device(core, caller, params[0], count);
  if (auto* refused = std::get_if<http::Response>(&device)) return std::move(*refused);
  const auto& d = std::get<store::Device>(device);
  // Idempotent: revoking again changes nothing (the first revocation time stays).
  if (auto st = core.store().revoke_device(caller.tenant.id, d.id, core.now()); !st) {
    if (store::has_code(st.error(), store::Errc::kNotFound)) return count("not_found"), not_found();
    return count("unavailable"), detail::unavailable();
  }
  if (!d.revoked_at) {
    json::Writer audit;
    audit.begin_object()
        .field("device_id", detail::id_hex(d.id))
        .field("owner_id", detail::id_hex(d.user_id))
        .field("by_user_id", detail::id_hex(caller.user.id))
        .field("address", request.peer)
        .end_object();
    core.audit(caller.tenant.id, "device_revoked", audit.take());
    log::info("device_revoked", {{"tenant_id", detail::id_hex(caller.tenant.id)}, {"device_id", detail::id_hex(d.id)}});
  }
  count(d.revoked_at ? "already_revoked" : "ok");
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

http::Response self(const ApiCore& core, DeviceMetrics& m, const DeviceCaller& caller) {
  const auto count = counter(m, "self");
  auto device = core.store().get_device(caller.tenant.id, caller.device_id);
  if (!device) return count("unavailable"), detail::unavailable();  // authenticate_device found it live
  json::Writer w;
  w.begin_object()
      .field("device_id", detail::id_hex(device->id))
      .field("tenant_id", detail::id_hex(caller.tenant.id))
      .field("user_id", detail::id_hex(caller.user.id))
      .field("kind", kind_name(device->kind))
      .field("name", device->name)
      .end_object();
  count("ok");
  return detail::json(200, w.take());
}

}  // namespace

void add_device_routes(Router& router, const ApiCore& core) {
  add_device_grant_routes(router, core);
  auto m = std::make_shared<DeviceMetrics>(core.metrics());
  core.add_authed(router, "GET", "/v1/devices", {},
                  [&core, m](const http::Request& r, const Caller& c, const PathParams&) { return list(core, *m, r, c); });
  core.add_authed(router, "PATCH", "/v1/devices/{id}", {},
                  [&core, m](const http::Request& r, const Caller& c, const PathParams& p) {
                    return rename(core, *m, r, c, p);
                  });
  core.add_authed(router, "DELETE", "/v1/devices/{id}", {},
                  [&core, m](const http::Request& r, const Caller& c, const PathParams& p) {
                    return revoke(core, *m, r, c, p);
                  });
  core.add_device_authed(router, "GET", "/v1/device/self", store::Role::kViewer,
                         [&core, m](const http::Request&, const DeviceCaller& c, const PathParams&) {
                           return self(core, *m, c);
                         });
}

}  // namespace bw::auth::api
