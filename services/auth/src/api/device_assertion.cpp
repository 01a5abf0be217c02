// POST /v1/device/assertion: short-lived statements a client hands its agents inside the
// encrypted channel (DESIGN §2, §3; docs/protocol.md, "Auth API").
//
// Guarantees: an assertion is issued only for a live client device of the caller (in the
// caller's tenant; anything else is 404, like a missing device) that has a live pairing; it
// lives 5 minutes, carries the user's current role (the agent takes the lower of it and the
// pairing's role) and cnf = SHA-256(C), and is signed with the current key as
// jwt::TokenKind::kDeviceAssertion, which an access-token verifier refuses.
#include <algorithm>

#include "api/api_support.hpp"
#include "api/pairing.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/crypto/sha256.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/jwt/jwt.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

constexpr std::int64_t kAssertionLifetimeS = 300;  // DESIGN §2: at most 10 minutes

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
  const auto keys = core.deps().keys.current();  // one snapshot, held while its key signs
  const auto* key = keys ? keys->signing_key() : nullptr;
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

void add_device_assertion_routes(Router& router, const ApiCore& core, std::shared_ptr<PairingMetrics> m) {
  core.add_authed(router, "POST", "/v1/device/assertion", AuthOptions{store::Role::kViewer},
                  [&core, m](const http::Request& r, const Caller& c, const PathParams&) {
                    return issue_assertion(core, *m, r, c);
                  });
}

}  // namespace bw::auth::api
