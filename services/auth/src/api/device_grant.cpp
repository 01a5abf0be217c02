// The device authorization grant (RFC 8628) by which an agent gets a device token
// (device_grant.hpp; docs/protocol.md "Devices").
//
//  1. The agent asks POST /v1/device/code {name} (no credential): a device code (a bwot_
//     one-time token, 256 bits, only its hash stored) and a user code (device_codes.hpp).
//     Grants per address are bounded through the lockout port: every request records one
//     attempt for an account subject derived from the address, so the rate-limit service's
//     account threshold (default 10 per 15 minutes) bounds the pending grants of an
//     address across every replica, and a banned address gets none.
//  2. A signed-in member (or above) types the user code: POST /v1/device/approve or
//     /deny. Every attempt is recorded for the approving user (cleared on success), and a
//     wrong code counts as an address failure, so user codes cannot be guessed faster
//     than the lockout allows.
//  3. The agent polls POST /v1/device/token {device_code}. The store decides the outcome
//     atomically (an approval is handed out exactly once; polls closer than the interval
//     get slow_down, last_polled_at is kept per grant in the store, so replicas agree).
//     On approval the agent device and its bwdt_ token are created for the approving
//     user, if that user is still enabled and at least a member.
#include "api/device_grant.hpp"

#include <functional>
#include <memory>
#include <variant>

#include "api/api_support.hpp"
#include "api/device_codes.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

struct GrantMetrics {
  explicit GrantMetrics(metrics::Factory& f)
      : codes(f.counter("device_codes", "device authorization requests (RFC 8628) by result")),
        decisions(f.counter("device_grant_decisions", "device grant approvals and denials by decision and result")),
        polls(f.counter("device_token_polls", "device token polls by result")) {}
  metrics::Family<prometheus::Counter> codes, decisions, polls;
};

http::Response issue_code(const ApiCore& core, GrantMetrics& m, const http::Request& request) {
  const auto count = [&](const char* result) { m.codes.add({{"result", result}}).Increment(); };
  auto name = detail::parse_device_name_body(request.body);
  if (!name) return count("invalid"), detail::bad_request(name.error());
  auto attempt = core.deps().lockout->record_attempt(detail::lockout_subject("bw-device-code-v1", {request.peer}), request.peer);
  if (!attempt) {
    log::warn("device_code_lockout_unavailable", {{"error", attempt.error().message}});
    return count("lockout_unavailable"), detail::unavailable();
  }
  if (!attempt->allowed) {
    return count("limited"), detail::locked(attempt->retry_after, "too many device requests from this address; try again later");
  }

  const std::string device_code = authcore::generate_token(authcore::TokenKind::kOneTime);
  const auto hash = authcore::token_hash(device_code);
  const auto now = core.now();
  store::DeviceGrant grant{Bytes(hash.begin(), hash.end()), "", *name, now,
                           now + std::chrono::milliseconds(kDeviceGrantLifetime).count(),
                           std::chrono::milliseconds(kDevicePollInterval).count()};
  Status created = make_error(store::Errc::kConflict, "not tried");
  for (int i = 0; i < 3 && !created && store::has_code(created.error(), store::Errc::kConflict); ++i) {
    grant.user_code = detail::generate_user_code();  // a collision with a live code: draw again
    created = core.store().create_device_grant(grant);
  }
  if (!created) return count("unavailable"), detail::unavailable();
  const std::string user_code = detail::display_user_code(grant.user_code);
  const std::string uri = core.options().issuer + "/device";
  json::Writer w;
  w.begin_object()
      .field("device_code", device_code)
      .field("user_code", user_code)
      .field("verification_uri", uri)
      .field("verification_uri_complete", uri + "?user_code=" + user_code)
      .field("expires_in", static_cast<std::int64_t>(kDeviceGrantLifetime.count()))
      .field("interval", static_cast<std::int64_t>(kDevicePollInterval.count()))
      .end_object();
  count("ok");
  return detail::json(200, w.take());  // not cacheable: Cache-Control: no-store
}

using Count = std::function<void(const char*)>;

enum class Decision { kApprove, kDeny, kLookup };

const char* decision_label(Decision d) {
  switch (d) {
    case Decision::kApprove: return "approve";
    case Decision::kDeny: return "deny";
    case Decision::kLookup: return "lookup";
  }
  return "lookup";
}

// A typed user code, checked and counted as one attempt of the caller in the lockout.
struct CodeAttempt {
  std::string code;     // canonical
  std::string account;  // the caller's lockout subject
};

std::variant<CodeAttempt, http::Response> user_code_attempt(const ApiCore& core, const http::Request& request,
                                                            const Caller& caller, const Count& count) {
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto typed = fields->string("user_code", 1, 32);
  if (!typed) return count("invalid"), detail::bad_request(typed.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  const auto code = detail::normalize_user_code(*typed);
  if (!code) return count("invalid"), error(400, "invalid_request", "user_code: 8 letters, as XXXX-XXXX");
  std::string account =
      detail::lockout_subject("bw-device-approve-v1", {detail::id_hex(caller.tenant.id), detail::id_hex(caller.user.id)});
  auto attempt = core.deps().lockout->record_attempt(account, request.peer);
  if (!attempt) {
    log::warn("device_approve_lockout_unavailable", {{"error", attempt.error().message}});
    return count("lockout_unavailable"), detail::unavailable();
  }
  if (!attempt->allowed) {
    return count("locked"), detail::locked(attempt->retry_after, "too many wrong user codes; try again later");
  }
  return CodeAttempt{*code, std::move(account)};
}

http::Response wrong_user_code(const ApiCore& core, const http::Request& request, const Count& count) {
  if (auto st = core.deps().lockout->record_address_failure(request.peer); !st) {
    log::warn("device_approve_lockout_unavailable", {{"error", st.error().message}});
  }
  count("wrong_code");  // unknown, expired, or already decided: one answer
  return error(400, "invalid_user_code", "no pending device request has this code; it may have expired");
}

// RFC 8628 §5.4: what the user is about to approve (the requesting device's name and when
// it asked), so a code read out by someone else is recognised as not one's own device.
http::Response lookup(const ApiCore& core, GrantMetrics& m, const http::Request& request, const Caller& caller) {
  const Count count = [&](const char* result) {
    m.decisions.add({{"decision", "lookup"}, {"result", result}}).Increment();
  };
  auto attempt = user_code_attempt(core, request, caller, count);
  if (auto* refused = std::get_if<http::Response>(&attempt)) return std::move(*refused);
  auto grant = core.store().find_pending_device_grant(std::get<CodeAttempt>(attempt).code, core.now());
  if (!grant) {
    if (!store::has_code(grant.error(), store::Errc::kNotFound)) return count("unavailable"), detail::unavailable();
    return wrong_user_code(core, request, count);
  }
  count("ok");
  json::Writer w;
  w.begin_object()
      .field("device_name", grant->device_name)
      .field("requested_at", grant->created_at)
      .field("expires_at", grant->expires_at)
      .end_object();
  return detail::json(200, w.take());
}

http::Response decide(const ApiCore& core, GrantMetrics& m, const http::Request& request, const Caller& caller,
                      Decision decision) {
  const char* label = decision_label(decision);
  const Count count = [&](const char* result) {
    m.decisions.add({{"decision", label}, {"result", result}}).Increment();
  };
  auto attempt = user_code_attempt(core, request, caller, count);
  if (auto* refused = std::get_if<http::Response>(&attempt)) return std::move(*refused);
  const std::string& code = std::get<CodeAttempt>(attempt).code;
  const std::string& account = std::get<CodeAttempt>(attempt).account;

  const auto now = core.now();
  const Status done = decision == Decision::kApprove
                          ? core.store().approve_device_grant(code, caller.tenant.id, caller.user.id, now)
                          : core.store().deny_device_grant(code, now);
  if (!done) {
    if (!store::has_code(done.error(), store::Errc::kNotFound)) return count("unavailable"), detail::unavailable();
    return wrong_user_code(core, request, count);
  }
  if (auto st = core.deps().lockout->clear_account(account); !st) {
    log::warn("device_approve_lockout_clear_failed", {{"error", st.error().message}});
  }
  json::Writer audit;
  audit.begin_object().field("user_id", detail::id_hex(caller.user.id)).field("address", request.peer).end_object();
  core.audit(caller.tenant.id, decision == Decision::kApprove ? "device_grant_approved" : "device_grant_denied", audit.take());
  count("ok");
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

http::Response poll_error(std::string_view code, std::string_view message) { return error(400, code, message); }

// The approved grant becomes an agent device with its token, for a user who may still run agents.
http::Response register_device(const ApiCore& core, const store::PollResult& grant, const http::Request& request,
                               const std::function<void(const char*)>& count) {
  auto user = core.store().get_user(grant.tenant_id, grant.user_id);
  if (!user && !store::has_code(user.error(), store::Errc::kNotFound)) return count("unavailable"), detail::unavailable();
  if (!user || user->disabled_at || !role_at_least(user->role, store::Role::kMember)) {
    return count("access_denied"), poll_error("access_denied", "the approving user can no longer register devices");
  }
  const auto now = core.now();
  store::Device device{grant.tenant_id, detail::new_id(), grant.user_id, store::DeviceKind::kAgent, grant.device_name,
                       {}, now, std::nullopt};
  if (auto st = core.store().create_device(device); !st) return count("unavailable"), detail::unavailable();
  const std::string token = authcore::generate_token(authcore::TokenKind::kDevice);
  const auto hash = authcore::token_hash(token);
  if (auto st = core.store().create_device_token(grant.tenant_id, grant.user_id, device.id, hash, now); !st) {
    (void)core.store().revoke_device(grant.tenant_id, device.id, now);  // no device without its token
    return count("unavailable"), detail::unavailable();
  }
  json::Writer audit;
  audit.begin_object()
      .field("device_id", detail::id_hex(device.id))
      .field("user_id", detail::id_hex(grant.user_id))
      .field("kind", "agent")
      .field("address", request.peer)
      .end_object();
  core.audit(grant.tenant_id, "device_registered", audit.take());
  log::info("device_registered", {{"tenant_id", detail::id_hex(grant.tenant_id)}, {"device_id", detail::id_hex(device.id)}});
  json::Writer w;
  w.begin_object()
      .field("device_id", detail::id_hex(device.id))
      .field("device_token", token)
      .field("tenant_id", detail::id_hex(grant.tenant_id))
      .field("user_id", detail::id_hex(grant.user_id))
      .end_object();
  count("approved");
  return detail::json(200, w.take());  // not cacheable: Cache-Control: no-store
}

http::Response poll(const ApiCore& core, GrantMetrics& m, const http::Request& request) {
  const std::function<void(const char*)> count = [&](const char* result) { m.polls.add({{"result", result}}).Increment(); };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto code = fields->string("device_code", 1, 128);
  if (!code) return count("invalid"), detail::bad_request(code.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  const auto invalid_grant = [&] {
    count("invalid_grant");
    return poll_error("invalid_grant", "the device code is not valid");
  };
  if (authcore::parse_token(*code) != authcore::TokenKind::kOneTime) return invalid_grant();
  auto result = core.store().poll_device_grant(authcore::token_hash(*code), core.now());
  if (!result) {
    if (store::has_code(result.error(), store::Errc::kNotFound)) return invalid_grant();
    return count("unavailable"), detail::unavailable();
  }
  switch (result->outcome) {
    case store::PollOutcome::kPending:
      return count("authorization_pending"), poll_error("authorization_pending", "the user has not approved yet");
    case store::PollOutcome::kSlowDown:
      return count("slow_down"), poll_error("slow_down", "polling too fast: wait 5 more seconds between polls");
    case store::PollOutcome::kDenied:
      return count("access_denied"), poll_error("access_denied", "the user denied the request");
    case store::PollOutcome::kExpired:
      return count("expired_token"), poll_error("expired_token", "the device code expired or was used; start again");
    case store::PollOutcome::kApproved: break;
  }
  return register_device(core, *result, request, count);
}

}  // namespace

void add_device_grant_routes(Router& router, const ApiCore& core) {
  auto m = std::make_shared<GrantMetrics>(core.metrics());
  router.add("POST", "/v1/device/code",
             [&core, m](const http::Request& r, const PathParams&) { return issue_code(core, *m, r); });
  router.add("POST", "/v1/device/token", [&core, m](const http::Request& r, const PathParams&) { return poll(core, *m, r); });
  // member+: a viewer cannot run agents, so cannot register one.
  core.add_authed(router, "POST", "/v1/device/lookup", {.min_role = store::Role::kMember},
                  [&core, m](const http::Request& r, const Caller& c, const PathParams&) { return lookup(core, *m, r, c); });
  for (const auto& [path, decision] : {std::pair{"/v1/device/approve", Decision::kApprove},
                                       std::pair{"/v1/device/deny", Decision::kDeny}}) {
    core.add_authed(router, "POST", path, {.min_role = store::Role::kMember},
                    [&core, m, decision = decision](const http::Request& r, const Caller& c, const PathParams&) {
                      return decide(core, *m, r, c, decision);
                    });
  }
}

}  // namespace bw::auth::api
