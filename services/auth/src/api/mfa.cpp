// MFA routes (modules.hpp): TOTP enrolment and verification, disabling TOTP, renewing
// recovery codes and the tenant's MFA requirement. The login step lives in sessions.cpp;
// the code checks both use are in mfa_codes.hpp.
//
// Rules:
//  - enrolment is two steps: POST /v1/mfa/totp stores a new sealed secret, not yet enabled
//    (replacing an unfinished enrolment) and shows it once; POST /v1/mfa/totp/verify with a
//    code of that secret enables it, issues the recovery codes (shown once) and a session
//    whose access tokens carry amr ["pwd","otp"]. Both are usable while the tenant requires
//    MFA and the caller has none yet (mfa_exempt), or nobody could ever comply;
//  - disabling needs the password and a current code (or a recovery code): each guess is
//    counted in the login lockout like a password change, so a stolen access token cannot
//    be used to remove the factor or mint recovery codes by guessing. Refused while the
//    tenant requires MFA;
//  - the tenant requirement can be turned on only by an admin whose own token carries a
//    second factor, so it can never lock out every administrator.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/api_support.hpp"
#include "api/mfa_codes.hpp"
#include "api/modules.hpp"
#include "bw/authcore/base32.hpp"
#include "bw/authcore/password_hash.hpp"
#include "bw/authcore/totp.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

// Longest recovery code input accepted (display form with spaces to spare).
constexpr std::size_t kMaxRecoveryCodeInput = 64;
constexpr std::size_t kMaxTotpCodeInput = 16;

struct MfaMetrics {
  explicit MfaMetrics(metrics::Factory& f)
      : enrolments(f.counter("mfa_enrolments", "TOTP enrolments started, by result")),
        verifications(f.counter("mfa_verifications", "TOTP enrolment verifications, by result")),
        disables(f.counter("mfa_disables", "TOTP disable requests, by result")),
        renewals(f.counter("mfa_recovery_code_renewals", "recovery-code renewals, by result")),
        tenant_changes(f.counter("tenant_mfa_changes", "tenant MFA requirement changes, by result")) {}
  metrics::Family<prometheus::Counter> enrolments, verifications, disables, renewals, tenant_changes;
};

http::Response wrong_code() { return error(403, "wrong_code", "code: not correct, or already used"); }
http::Response not_enabled() { return error(409, "mfa_not_enabled", "TOTP is not enabled for this user"); }

// {user_id, address} for the audit trail.
std::string audit_payload(const Caller& caller, const http::Request& request) {
  json::Writer w;
  w.begin_object().field("user_id", detail::id_hex(caller.user.id)).field("address", request.peer).end_object();
  return w.take();
}

// Adds "recovery_codes": [...] to a JSON object response (a token response).
void add_recovery_codes(http::Response& r, const std::vector<std::string>& codes) {
  json::Writer w;
  w.begin_array();
  for (const auto& c : codes) w.value(c);
  w.end_array();
  if (r.body.size() < 2 || r.body.back() != '}') return;
  r.body.pop_back();
  r.body += ",\"recovery_codes\":" + w.take() + "}";
}

// The user's stored TOTP record, or nullopt when there is none; an error response (503) else.
std::variant<std::optional<store::TotpSecret>, http::Response> stored_totp(const ApiCore& core,
                                                                           const store::User& user) {
  auto stored = core.store().get_totp_secret(user.tenant_id, user.id);
  if (stored) return std::optional<store::TotpSecret>(std::move(stored.value()));
  if (store::has_code(stored.error(), store::Errc::kNotFound)) return std::optional<store::TotpSecret>();
  return detail::unavailable();
}

http::Response enrol(const ApiCore& core, MfaMetrics& m, const http::Request& request, const Caller& caller) {
  const auto count = [&](const char* result) { m.enrolments.add({{"result", result}}).Increment(); };
  // The password again (step-up): a stolen access token alone must not let anyone bind a
  // second factor of their own to the account.
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto password = fields->string("password", 1, authcore::kMaxPasswordBytes);
  if (!password) return count("invalid"), detail::bad_request(password.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  if (auto refused = core.check_password(caller, request, *password, count)) return std::move(*refused);
  if (!core.deps().kek) {
    log::error("totp_kek_missing", {});
    return count("unavailable"), detail::unavailable();
  }
  const auto secret = authcore::generate_totp_secret();
  auto sealed = mfa::seal_totp_secret(*core.deps().kek, caller.user, secret.view());
  if (!sealed) return count("error"), error(500, "internal", "internal error");
  const std::string account = caller.tenant.slug + "/" + caller.user.login;
  auto uri = authcore::otpauth_uri(mfa::kOtpIssuer, account, secret.view());
  if (!uri) return count("error"), error(500, "internal", "internal error");
  if (auto st = core.store().put_totp_secret(caller.tenant.id, caller.user.id, *sealed, core.now()); !st) {
    if (store::has_code(st.error(), store::Errc::kConflict)) {
      return count("already_enabled"), error(409, "mfa_already_enabled", "TOTP is already enabled; disable it first");
    }
    return count("unavailable"), detail::unavailable();
  }
  core.audit(caller.tenant.id, "mfa_enrolment_started", audit_payload(caller, request));
  count("started");
  json::Writer w;
  w.begin_object().field("secret", authcore::base32_encode(secret.view())).field("otpauth_uri", *uri).end_object();
  return detail::json(200, w.take());  // shown once; no-store
}

http::Response verify(const ApiCore& core, MfaMetrics& m, const http::Request& request, const Caller& caller) {
  const auto count = [&](std::string_view result) {
    m.verifications.add({{"result", std::string(result)}}).Increment();
  };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto code = fields->string("code", 1, kMaxTotpCodeInput);
  if (!code) return count("invalid"), detail::bad_request(code.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  auto stored = stored_totp(core, caller.user);
  if (auto* r = std::get_if<http::Response>(&stored)) return count("unavailable"), std::move(*r);
  const auto& totp = std::get<std::optional<store::TotpSecret>>(stored);
  if (!totp) return count("no_enrolment"), error(409, "no_enrolment", "start an enrolment first (POST /v1/mfa/totp)");
  if (totp->enabled) return count("already_enabled"), error(409, "mfa_already_enabled", "TOTP is already enabled");
  // Each code tried is an attempt in the login lockout: whoever holds only an access token
  // of a user with an unfinished enrolment must not guess their way to an otp session.
  const std::string account = detail::account_subject(caller.tenant.slug, caller.user.login);
  auto attempt = core.deps().lockout->record_attempt(account, request.peer);
  if (!attempt) return count("lockout_unavailable"), detail::unavailable();
  if (!attempt->allowed) return count("locked"), detail::locked(attempt->retry_after);
  const auto check = mfa::use_totp_code(core, caller.user, *totp, *code);
  if (check == mfa::CodeCheck::kUnavailable) return count("unavailable"), detail::unavailable();
  if (check != mfa::CodeCheck::kAccepted) {
    (void)core.deps().lockout->record_address_failure(request.peer);
    return count(mfa::check_label(check)), wrong_code();
  }
  (void)core.deps().lockout->clear_account(account);
  // Recovery codes first: if enabling fails after, unused codes of a disabled factor are harmless.
  auto codes = mfa::renew_recovery_codes(core, caller.user);
  if (!codes) return count("unavailable"), detail::unavailable();
  // Only the secret whose code was just checked (a concurrent enrolment may have replaced it).
  if (auto st = core.store().enable_totp(caller.tenant.id, caller.user.id, totp->sealed_secret); !st) {
    if (store::has_code(st.error(), store::Errc::kConflict)) {
      return count("enrolment_changed"),
             error(409, "enrolment_changed", "a newer enrolment replaced this one; verify a code of the new secret");
    }
    return count("unavailable"), detail::unavailable();
  }
  core.audit(caller.tenant.id, "mfa_enabled", audit_payload(caller, request));
  log::info("mfa_enabled", {{"user_id", detail::id_hex(caller.user.id)}});
  auto r = core.start_session(caller.user, {"pwd", "otp"});
  if (r.status != 200) return count("unavailable"), r;  // enabled; the user signs in again
  add_recovery_codes(r, *codes);
  count("ok");
  return r;
}

using Count = std::function<void(const char*)>;

// What a request to change an enabled factor proves: the password (disable only) and one
// code, a TOTP code or a recovery code.
struct Proof {
  const std::string* password = nullptr;
  const std::string* totp_code = nullptr;
  const std::string* recovery_code = nullptr;
};

// Checks proof for the caller, whose TOTP must be enabled, as one attempt in the login
// lockout: nullopt when every part is right (the account's count is then cleared), else
// the response to send (counted). A wrong part counts as a failure of the address.
std::optional<http::Response> check_proof(const ApiCore& core, const Caller& caller, const http::Request& request,
                                          const Proof& proof, const Count& count) {
  auto stored = stored_totp(core, caller.user);
  if (auto* r = std::get_if<http::Response>(&stored)) return count("unavailable"), std::move(*r);
  const auto& totp = std::get<std::optional<store::TotpSecret>>(stored);
  if (!totp || !totp->enabled) return count("not_enabled"), not_enabled();
  const std::string account = detail::account_subject(caller.tenant.slug, caller.user.login);
  if (proof.password) {
    // Keeps the account's count until the code passed too.
    if (auto refused = core.check_password(caller, request, *proof.password, count, true)) return std::move(*refused);
  } else {
    auto attempt = core.deps().lockout->record_attempt(account, request.peer);
    if (!attempt) return count("lockout_unavailable"), detail::unavailable();
    if (!attempt->allowed) return count("locked"), detail::locked(attempt->retry_after);
  }
  const auto check = proof.totp_code ? mfa::use_totp_code(core, caller.user, *totp, *proof.totp_code)
                                     : mfa::use_recovery_code(core, caller.user, *proof.recovery_code);
  if (check == mfa::CodeCheck::kUnavailable) return count("unavailable"), detail::unavailable();
  if (check != mfa::CodeCheck::kAccepted) {
    (void)core.deps().lockout->record_address_failure(request.peer);
    return count(check == mfa::CodeCheck::kReused ? "reused_code" : "wrong_code"), wrong_code();
  }
  (void)core.deps().lockout->clear_account(account);
  return std::nullopt;
}

http::Response disable(const ApiCore& core, MfaMetrics& m, const http::Request& request, const Caller& caller) {
  const Count count = [&](const char* result) { m.disables.add({{"result", result}}).Increment(); };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto password = fields->string("password", 1, authcore::kMaxPasswordBytes);
  if (!password) return count("invalid"), detail::bad_request(password.error());
  auto code = fields->optional_string("code", 1, kMaxTotpCodeInput);
  if (!code) return count("invalid"), detail::bad_request(code.error());
  auto recovery = fields->optional_string("recovery_code", 1, kMaxRecoveryCodeInput);
  if (!recovery) return count("invalid"), detail::bad_request(recovery.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  if (code->has_value() == recovery->has_value()) {
    return count("invalid"), error(400, "invalid_request", "code, recovery_code: send exactly one");
  }
  if (caller.tenant.mfa_required) {
    return count("required_by_tenant"),
           error(403, "mfa_required_by_tenant", "this tenant requires two-factor authentication");
  }
  const Proof proof{&*password, *code ? &**code : nullptr, *recovery ? &**recovery : nullptr};
  if (auto refused = check_proof(core, caller, request, proof, count)) return std::move(*refused);
  if (auto st = core.store().delete_totp(caller.tenant.id, caller.user.id); !st) {
    return count("unavailable"), detail::unavailable();
  }
  core.audit(caller.tenant.id, "mfa_disabled", audit_payload(caller, request));
  log::info("mfa_disabled", {{"user_id", detail::id_hex(caller.user.id)}});
  count("ok");
  http::Response done;
  done.status = 204;
  done.content_type.clear();
  return done;
}

http::Response renew_codes(const ApiCore& core, MfaMetrics& m, const http::Request& request, const Caller& caller) {
  const Count count = [&](const char* result) { m.renewals.add({{"result", result}}).Increment(); };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto code = fields->string("code", 1, kMaxTotpCodeInput);
  if (!code) return count("invalid"), detail::bad_request(code.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  if (auto refused = check_proof(core, caller, request, Proof{nullptr, &*code, nullptr}, count)) {
    return std::move(*refused);
  }
  auto codes = mfa::renew_recovery_codes(core, caller.user);
  if (!codes) return count("unavailable"), detail::unavailable();
  core.audit(caller.tenant.id, "mfa_recovery_codes_renewed", audit_payload(caller, request));
  count("ok");
  json::Writer w;
  w.begin_object().key("recovery_codes").begin_array();
  for (const auto& c : *codes) w.value(c);
  w.end_array().end_object();
  return detail::json(200, w.take());  // shown once; no-store
}

http::Response set_tenant_mfa(const ApiCore& core, MfaMetrics& m, const http::Request& request, const Caller& caller) {
  const auto count = [&](const char* result) { m.tenant_changes.add({{"result", result}}).Increment(); };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto required = fields->boolean("required");
  if (!required) return count("invalid"), detail::bad_request(required.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  if (*required && !caller.mfa()) {
    return count("caller_without_mfa"),
           error(409, "mfa_not_used", "enrol TOTP and sign in with it before requiring it for the whole tenant");
  }
  if (*required != caller.tenant.mfa_required) {
    if (auto st = core.store().set_mfa_required(caller.tenant.id, *required); !st) {
      return count("unavailable"), detail::unavailable();
    }
    json::Writer audit;
    audit.begin_object()
        .field("user_id", detail::id_hex(caller.user.id))
        .field("required", *required)
        .field("address", request.peer)
        .end_object();
    core.audit(caller.tenant.id, "tenant_mfa_required_changed", audit.take());
    log::info("tenant_mfa_required_changed",
              {{"tenant_id", detail::id_hex(caller.tenant.id)}, {"required", *required}});
  }
  count(*required == caller.tenant.mfa_required ? "unchanged" : "ok");
  json::Writer w;
  w.begin_object().field("required", *required).end_object();
  return detail::json(200, w.take());
}

}  // namespace

void add_mfa_routes(Router& router, const ApiCore& core) {
  auto m = std::make_shared<MfaMetrics>(core.metrics());
  const auto route = [&](const char* method, const char* path, AuthOptions options, auto handler) {
    core.add_authed(router, method, path, options,
                    [&core, m, handler](const http::Request& r, const Caller& c, const PathParams&) {
                      return handler(core, *m, r, c);
                    });
  };
  route("POST", "/v1/mfa/totp", {.mfa_exempt = true}, enrol);
  route("POST", "/v1/mfa/totp/verify", {.mfa_exempt = true}, verify);
  route("POST", "/v1/mfa/totp/disable", {}, disable);
  route("POST", "/v1/mfa/recovery-codes", {}, renew_codes);
  route("PUT", "/v1/tenant/mfa", {.min_role = store::Role::kAdmin}, set_tenant_mfa);
}

}  // namespace bw::auth::api
