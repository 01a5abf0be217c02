// Pairing offers and claims (DESIGN §3 steps 1–2; docs/protocol.md, "Auth API"), and the
// module's route table (pairing.hpp).
//
// Auth only records pairings: it never sees A, s or any end-to-end secret, and what it can
// do to a pairing is bounded by the agent's own checks (security.md).
//
// Guarantees:
//  - an offer comes only from a live agent device, never grants owner, never grants more
//    than the agent's user holds now; its code (bwpc_, 128 bits) is returned once, stored
//    only as a hash, and never written to a log or an audit payload;
//  - a claim records the pairing with the OFFER's role (the store copies it; a claim body
//    has no role field, and an unknown field is refused); the code is single-use and wrong
//    codes are counted by the store, atomically, up to the offer's max_attempts;
//  - an offer of another tenant answers exactly like a missing one (404).
//
// Claim order, so that nothing is left half-done: read the offer and refuse at once what
// the store would refuse (claimed, expired, exhausted); compare the code's hash in constant
// time. A wrong code goes to the store to be counted with no device created at all. Only a
// matching code creates the client device, and the store's atomic claim then decides; if
// that claim loses a race (another claim, expiry, exhausted by parallel guesses) the new
// device is revoked at once. Should that revocation fail, the device is left unpaired, and
// an unpaired device gets no device assertion (pairing_manage.cpp), so it holds no authority.
#include "api/pairing.hpp"

#include <algorithm>

#include "api/api_support.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/constant_time.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

constexpr store::TimeMs kOfferLifetimeMs = 5 * 60 * 1000;
constexpr int kOfferMaxAttempts = 5;

http::Response offer_not_found() { return error(404, "not_found", "no such pairing offer"); }

// 403 wrong_code with the attempts left (never the code).
http::Response wrong_code(int attempts_left) {
  json::Writer w;
  w.begin_object()
      .field("error", "wrong_code")
      .field("message", "code: not the code of this offer")
      .field("attempts_left", attempts_left)
      .end_object();
  return detail::json(403, w.take());
}

// The answer for a claim the offer's state refuses (everything but kClaimed and kWrongCode).
http::Response refused(store::ClaimOutcome outcome) {
  switch (outcome) {
    case store::ClaimOutcome::kExpired: return error(410, "expired", "the pairing offer has expired");
    case store::ClaimOutcome::kAttemptsExhausted:
      return error(410, "attempts_exhausted", "too many wrong codes: the pairing offer is void");
    case store::ClaimOutcome::kAlreadyClaimed: return error(409, "already_claimed", "the pairing offer was already claimed");
    default: return error(403, "wrong_code", "code: not the code of this offer");
  }
}

const char* outcome_label(store::ClaimOutcome outcome) {
  switch (outcome) {
    case store::ClaimOutcome::kClaimed: return "claimed";
    case store::ClaimOutcome::kWrongCode: return "wrong_code";
    case store::ClaimOutcome::kExpired: return "expired";
    case store::ClaimOutcome::kAttemptsExhausted: return "attempts_exhausted";
    case store::ClaimOutcome::kAlreadyClaimed: return "already_claimed";
  }
  return "error";
}

// What the store would answer for this offer now, before any code is looked at.
std::optional<store::ClaimOutcome> offer_refusal(const store::PairingOfferState& s, store::TimeMs now) {
  if (s.claimed_at) return store::ClaimOutcome::kAlreadyClaimed;
  if (now >= s.offer.expires_at) return store::ClaimOutcome::kExpired;
  if (s.attempts >= s.offer.max_attempts) return store::ClaimOutcome::kAttemptsExhausted;
  return std::nullopt;
}

// ---- POST /v1/pairing/offers

// {role?}: admin, member (default) or viewer. An empty body means the default.
Result<store::Role> parse_offer_request(std::string_view body) {
  if (body.empty()) return store::Role::kMember;
  auto fields = json::parse_object(body);
  if (!fields) return fields.error();
  auto role = fields->optional_string("role", 1, 16);
  if (!role) return role.error();
  if (auto st = fields->finish(); !st) return st.error();
  if (!*role) return store::Role::kMember;
  const auto parsed = store::parse_role(**role);
  if (!parsed || *parsed == store::Role::kOwner) {
    return Error{static_cast<int>(json::JsonError::kOutOfRange), "role: must be admin, member or viewer (never owner)"};
  }
  return *parsed;
}

http::Response create_offer(const ApiCore& core, PairingMetrics& m, const http::Request& request,
                            const DeviceCaller& agent) {
  const auto count = [&](const char* result) { m.offers.add({{"result", result}}).Increment(); };
  if (agent.kind != store::DeviceKind::kAgent) {
    return count("not_agent"), error(403, "forbidden", "only an agent device can offer a pairing");
  }
  auto role = parse_offer_request(request.body);
  if (!role) return count("invalid"), detail::bad_request(role.error());
  if (!role_at_least(agent.user.role, *role)) {
    return count("role_too_high"), error(403, "forbidden", "role: higher than your own role");
  }
  const auto now = core.now();
  const std::string code = authcore::generate_token(authcore::TokenKind::kPairingCode);
  const auto hash = authcore::token_hash(code);
  store::PairingOffer offer{agent.tenant.id, detail::new_id(), agent.device_id, *role, Bytes(hash.begin(), hash.end()),
                            now, now + kOfferLifetimeMs, kOfferMaxAttempts};
  if (auto st = core.store().create_pairing_offer(offer); !st) {
    log::warn("pairing_offer_failed", {{"device_id", detail::id_hex(agent.device_id)}, {"error", st.error().message}});
    return count("unavailable"), detail::unavailable();
  }
  json::Writer a;
  a.begin_object()
      .field("pairing_id", detail::id_hex(offer.id))
      .field("agent_device_id", detail::id_hex(agent.device_id))
      .field("user_id", detail::id_hex(agent.user.id))
      .field("role", store::role_name(*role))
      .field("expires_at", offer.expires_at)
      .end_object();
  core.audit(agent.tenant.id, "pairing_offered", a.take());
  count("created");
  json::Writer w;
  w.begin_object()
      .field("pairing_id", detail::id_hex(offer.id))
      .field("code", code)
      .field("role", store::role_name(*role))
      .field("expires_at", offer.expires_at)
      .field("max_attempts", kOfferMaxAttempts)
      .field("tenant_id", detail::id_hex(agent.tenant.id))
      .field("agent_device_id", detail::id_hex(agent.device_id))
      .end_object();
  return detail::json(201, w.take());  // carries the code: never cacheable
}

// ---- POST /v1/pairing/claims

struct ClaimRequest {
  store::Id pairing_id{};
  crypto::Sha256Digest code_hash{};
  Bytes client_public_key;
  std::string device_name;
};

Error field_error(const char* message) { return Error{static_cast<int>(json::JsonError::kOutOfRange), message}; }

Result<ClaimRequest> parse_claim_request(std::string_view body) {
  auto fields = json::parse_object(body);
  if (!fields) return fields.error();
  auto pairing_id = fields->string("pairing_id", 1, 64);
  if (!pairing_id) return pairing_id.error();
  auto code = fields->string("code", 1, 64);
  if (!code) return code.error();
  auto key = fields->string("client_public_key", 1, 64);
  if (!key) return key.error();
  auto name = fields->string("device_name", 1, kMaxDeviceNameBytes);
  if (!name) return name.error();
  if (auto st = fields->finish(); !st) return st.error();
  ClaimRequest out;
  const auto id = detail::parse_id(*pairing_id);
  if (!id) return field_error("pairing_id: must be 32 hexadecimal characters");
  out.pairing_id = *id;
  if (authcore::parse_token(*code) != authcore::TokenKind::kPairingCode) {
    return field_error("code: not a pairing code");
  }
  out.code_hash = authcore::token_hash(*code);
  auto decoded = crypto::base64url_decode(*key);
  if (!decoded || !valid_client_public_key(*decoded)) {
    return field_error("client_public_key: must be 32 bytes in base64url, not all zero");
  }
  out.client_public_key = std::move(decoded.value());
  if (!valid_device_name(*name)) return field_error("device_name: must be printable text without control characters");
  out.device_name = std::move(name.value());
  return out;
}

// Revokes a client device made for a claim that then failed (see the file comment).
void discard_device(const ApiCore& core, PairingMetrics& m, const store::Id& tenant_id, const store::Id& device_id) {
  if (auto st = core.store().revoke_device(tenant_id, device_id, core.now()); !st) {
    m.claim_cleanups.add({{"result", "failed"}}).Increment();
    log::warn("pairing_claim_cleanup_failed", {{"device_id", detail::id_hex(device_id)}, {"error", st.error().message}});
    return;
  }
  m.claim_cleanups.add({{"result", "revoked"}}).Increment();
}

void audit_claim(const ApiCore& core, const Caller& caller, const store::Id& pairing_id, const char* result,
                 const store::Pairing* pairing, const std::string& peer) {
  json::Writer w;
  w.begin_object().field("pairing_id", detail::id_hex(pairing_id)).field("user_id", detail::id_hex(caller.user.id));
  if (pairing) {
    w.field("agent_device_id", detail::id_hex(pairing->agent_device_id))
        .field("client_device_id", detail::id_hex(pairing->client_device_id))
        .field("role", store::role_name(pairing->role));
  } else {
    w.field("result", result);
  }
  w.field("address", peer).end_object();
  core.audit(caller.tenant.id, pairing ? "pairing_claimed" : "pairing_claim_refused", w.take());
}

http::Response claimed(const store::Pairing& p) {
  json::Writer w;
  w.begin_object()
      .field("pairing_id", detail::id_hex(p.id))
      .field("client_device_id", detail::id_hex(p.client_device_id))
      .field("role", store::role_name(p.role))
      .field("agent_device_id", detail::id_hex(p.agent_device_id))
      .field("tenant_id", detail::id_hex(p.tenant_id))
      .end_object();
  return detail::json(201, w.take());
}

http::Response claim_offer(const ApiCore& core, PairingMetrics& m, const http::Request& request, const Caller& caller) {
  const auto count = [&](const char* result) { m.claims.add({{"result", result}}).Increment(); };
  auto req = parse_claim_request(request.body);
  if (!req) return count("invalid"), detail::bad_request(req.error());
  const auto& tenant_id = caller.tenant.id;
  auto state = core.store().get_pairing_offer(tenant_id, req->pairing_id);
  if (!state) {
    if (store::has_code(state.error(), store::Errc::kNotFound)) return count("not_found"), offer_not_found();
    return count("unavailable"), detail::unavailable();
  }
  const auto now = core.now();
  if (auto refusal = offer_refusal(*state, now)) return count(outcome_label(*refusal)), refused(*refusal);

  const bool code_matches = crypto::constant_time_equal(req->code_hash, state->offer.code_hash);
  store::Pairing none;
  store::PairingClaim claim{{}, caller.user.id, req->client_public_key, Bytes(req->code_hash.begin(), req->code_hash.end())};
  if (code_matches) {
    // Only now is there a device to create (file comment).
    store::Device device{tenant_id, detail::new_id(), caller.user.id, store::DeviceKind::kClient, req->device_name,
                         req->client_public_key, now, std::nullopt};
    if (auto st = core.store().create_device(device); !st) return count("unavailable"), detail::unavailable();
    claim.client_device_id = device.id;
  }
  auto result = core.store().claim_pairing_offer(tenant_id, req->pairing_id, claim, now);
  const bool won = result && result->outcome == store::ClaimOutcome::kClaimed && result->pairing;
  if (code_matches && !won) discard_device(core, m, tenant_id, claim.client_device_id);
  if (!result) {
    if (store::has_code(result.error(), store::Errc::kNotFound)) return count("not_found"), offer_not_found();
    if (store::has_code(result.error(), store::Errc::kInvalid)) {
      return count("agent_revoked"), error(410, "agent_revoked", "the offering agent device is no longer active");
    }
    return count("unavailable"), detail::unavailable();
  }
  if (result->outcome == store::ClaimOutcome::kWrongCode) {
    audit_claim(core, caller, req->pairing_id, "wrong_code", nullptr, request.peer);
    return count("wrong_code"), wrong_code(result->attempts_left);
  }
  if (!won) return count(outcome_label(result->outcome)), refused(result->outcome);
  audit_claim(core, caller, req->pairing_id, "claimed", &*result->pairing, request.peer);
  log::info("pairing_claimed", {{"tenant_id", detail::id_hex(tenant_id)}, {"pairing_id", detail::id_hex(req->pairing_id)}});
  count("claimed");
  return claimed(*result->pairing);
}

}  // namespace

bool valid_client_public_key(ByteView key) {
  return key.size() == 32 && std::any_of(key.begin(), key.end(), [](std::uint8_t b) { return b != 0; });
}

bool valid_device_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxDeviceNameBytes) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7f;
  });
}

PairingMetrics::PairingMetrics(metrics::Factory& f)
    : offers(f.counter("pairing_offers", "pairing offers requested by agents, by result")),
      claims(f.counter("pairing_claims", "pairing claims by clients, by result")),
      claim_cleanups(f.counter("pairing_claim_cleanups", "client devices revoked after their claim failed, by result")),
      offer_reads(f.counter("pairing_offer_reads", "offer status reads by the offering agent, by result")),
      lists(f.counter("pairing_lists", "pairing lists read, by caller and result")),
      revocations(f.counter("pairing_revocations", "pairing revocations, by result")),
      assertions(f.counter("device_assertions", "device assertions requested, by result")) {}

void add_pairing_routes(Router& router, const ApiCore& core) {
  auto m = std::make_shared<PairingMetrics>(core.metrics());
  core.add_device_authed(router, "POST", "/v1/pairing/offers", store::Role::kViewer,
                         [&core, m](const http::Request& r, const DeviceCaller& d, const PathParams&) {
                           return create_offer(core, *m, r, d);
                         });
  core.add_authed(router, "POST", "/v1/pairing/claims", AuthOptions{store::Role::kViewer},
                  [&core, m](const http::Request& r, const Caller& c, const PathParams&) {
                    return claim_offer(core, *m, r, c);
                  });
  add_pairing_management_routes(router, core, m);
  add_device_assertion_routes(router, core, m);
}

}  // namespace bw::auth::api
