// Sign-in, refresh-token rotation and logout (auth_api.hpp).
//
// Login order, which the lockout guarantee depends on: parse → check the address and
// record the attempt for the account (fail closed; lockout.hpp) → look the account up → exactly one Argon2id
// verification (a dummy one when the tenant or user is unknown or disabled) → clear the
// account's count on success. Every credential failure answers the same 401 body.
#include <algorithm>

#include "api/api_support.hpp"
#include "api/auth_api.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

http::Response invalid_credentials() {
  return error(401, "invalid_credentials", "the tenant, login or password is not correct");
}

http::Response invalid_grant() { return error(401, "invalid_grant", "the refresh token is not valid"); }

http::Response locked(std::chrono::milliseconds retry_after) {
  auto r = error(429, "locked", "too many failed sign-ins; try again later");
  const auto seconds = std::max<std::int64_t>(1, (retry_after.count() + 999) / 1000);
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

// {tenant, refresh_token} as refresh and logout take them.
struct RefreshRequest {
  std::string slug;
  std::string token;
};

Result<RefreshRequest> parse_refresh_request(std::string_view body) {
  auto fields = json::parse_object(body);
  if (!fields) return fields.error();
  auto tenant = fields->string("tenant", 1, 63);
  if (!tenant) return tenant.error();
  auto token = fields->string("refresh_token", 1, 256);
  if (!token) return token.error();
  if (auto st = fields->finish(); !st) return st.error();
  return RefreshRequest{detail::lower_ascii(*tenant), std::move(token.value())};
}

}  // namespace

http::Response AuthApi::login(const http::Request& request) {
  const auto count = [&](const char* result) { metrics_->logins.add({{"result", result}}).Increment(); };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto tenant = fields->string("tenant", 1, 63);
  if (!tenant) return count("invalid"), detail::bad_request(tenant.error());
  auto login = fields->string("login", 1, 254);
  if (!login) return count("invalid"), detail::bad_request(login.error());
  auto password = fields->string("password", 1, authcore::kMaxPasswordBytes);
  if (!password) return count("invalid"), detail::bad_request(password.error());
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  const std::string slug = detail::lower_ascii(*tenant);
  const std::string user_login = detail::lower_ascii(*login);

  const std::string account = detail::account_subject(slug, user_login);
  auto attempt = deps_.lockout->record_attempt(account, request.peer);
  if (!attempt) {
    log::warn("login_lockout_unavailable", {{"error", attempt.error().message}});
    return count("lockout_unavailable"), detail::unavailable();
  }
  if (!attempt->allowed) return count("locked"), locked(attempt->retry_after);

  std::optional<store::User> user;
  if (auto t = deps_.store->find_tenant_by_slug(slug); t) {
    if (auto u = deps_.store->find_user_by_login(t->id, user_login); u) {
      user = std::move(u.value());
    } else if (!store::has_code(u.error(), store::Errc::kNotFound)) {
      return count("unavailable"), detail::unavailable();
    }
  } else if (!store::has_code(t.error(), store::Errc::kNotFound)) {
    return count("unavailable"), detail::unavailable();
  }
  const bool usable = user && !user->disabled_at;
  const bool ok = usable ? deps_.hasher->verify(user->password_phc, *password) : deps_.hasher->verify_dummy(*password);
  if (!ok) {
    if (auto st = deps_.lockout->record_address_failure(request.peer); !st) {
      log::warn("login_lockout_unavailable", {{"error", st.error().message}});
    }
    count(user ? "wrong_password" : "unknown_account");  // the answer is the same for both
    return invalid_credentials();
  }
  if (auto st = deps_.lockout->clear_account(account); !st) {
    log::warn("login_lockout_clear_failed", {{"error", st.error().message}});  // the count expires by itself
  }
  if (deps_.hasher->needs_rehash(user->password_phc)) {
    // update_password also ends the user's other sessions (store contract); it runs before
    // this session starts, so the sign-in itself survives.
    if (auto phc = deps_.hasher->hash(*password); phc) {
      if (auto epoch = deps_.store->update_password(user->tenant_id, user->id, *phc, deps_.now_ms()); epoch) {
        user->password_phc = std::move(phc.value());
        log::info("password_rehashed", {{"user_id", detail::id_hex(user->id)}});
      }
    }
  }
  auto r = start_session(*user);
  count(r.status == 200 ? "ok" : "error");
  if (r.status == 200) log::info("login", {{"tenant_id", detail::id_hex(user->tenant_id)}, {"user_id", detail::id_hex(user->id)}});
  return r;
}

http::Response AuthApi::start_session(const store::User& user) {
  const auto now = deps_.now_ms();
  store::RefreshFamily family;
  family.tenant_id = user.tenant_id;
  family.id = detail::new_id();
  family.user_id = user.id;
  family.created_at = now;
  family.absolute_expires_at = now + options_.session_lifetime.count();
  const std::string token = authcore::generate_token(authcore::TokenKind::kRefresh);
  const auto hash = authcore::token_hash(token);
  store::NewRefreshToken first{Bytes(hash.begin(), hash.end()), now, now + options_.refresh_idle.count()};
  if (auto st = deps_.store->create_refresh_family(family, first); !st) return detail::unavailable();
  return token_response(user, family.id, token);
}

http::Response AuthApi::refresh(const http::Request& request) {
  const auto count = [&](const char* result) { metrics_->refreshes.add({{"result", result}}).Increment(); };
  auto req = parse_refresh_request(request.body);
  if (!req) return count("invalid"), detail::bad_request(req.error());
  if (authcore::parse_token(req->token) != authcore::TokenKind::kRefresh) return count("malformed"), invalid_grant();
  auto tenant = deps_.store->find_tenant_by_slug(req->slug);
  if (!tenant) {
    if (store::has_code(tenant.error(), store::Errc::kNotFound)) return count("unknown"), invalid_grant();
    return count("unavailable"), detail::unavailable();
  }
  const auto now = deps_.now_ms();
  const std::string next = authcore::generate_token(authcore::TokenKind::kRefresh);
  const auto presented = authcore::token_hash(req->token);
  const auto next_hash = authcore::token_hash(next);
  store::NewRefreshToken successor{Bytes(next_hash.begin(), next_hash.end()), now, now + options_.refresh_idle.count()};
  auto rotated = deps_.store->rotate_refresh_token(tenant->id, presented, successor, now);
  if (!rotated) {
    if (store::has_code(rotated.error(), store::Errc::kNotFound)) return count("unknown"), invalid_grant();
    return count("unavailable"), detail::unavailable();
  }
  switch (rotated->outcome) {
    case store::RotateOutcome::kRotated: break;
    case store::RotateOutcome::kReused:
      log::warn("refresh_token_reused", {{"tenant_id", detail::id_hex(tenant->id)},
                                         {"session_id", detail::id_hex(rotated->family_id)}});
      audit_reuse(tenant->id, rotated->family_id, rotated->user_id, request.peer, now);
      return count("reused"), invalid_grant();
    case store::RotateOutcome::kExpired: return count("expired"), invalid_grant();
    case store::RotateOutcome::kRevoked: return count("revoked"), invalid_grant();
  }
  auto user = deps_.store->get_user(tenant->id, rotated->user_id);
  if (!user || user->disabled_at) {
    (void)deps_.store->revoke_refresh_family(tenant->id, rotated->family_id, now, "user_gone");
    return count(user ? "disabled" : "unknown"), invalid_grant();
  }
  count("ok");
  return token_response(*user, rotated->family_id, next);
}

void AuthApi::audit_reuse(const store::Id& tenant_id, const store::Id& family_id, const store::Id& user_id,
                          const std::string& peer, store::TimeMs now) {
  json::Writer w;
  w.begin_object()
      .field("session_id", detail::id_hex(family_id))
      .field("user_id", detail::id_hex(user_id))
      .field("address", peer)
      .end_object();
  auto appended = deps_.store->append_audit_event(tenant_id, "refresh_token_reused", as_bytes(w.str()), now,
                                                  kMaxQueuedAuditEvents);
  if (!appended || !*appended) metrics_->audit_drops.add({{"kind", "refresh_token_reused"}}).Increment();
}

http::Response AuthApi::logout(const http::Request& request) {
  const auto count = [&](const char* result) { metrics_->logouts.add({{"result", result}}).Increment(); };
  auto req = parse_refresh_request(request.body);
  if (!req) return count("invalid"), detail::bad_request(req.error());
  http::Response done;
  done.status = 204;
  done.content_type.clear();
  // The same 204 whether or not the token was live: logout reveals nothing.
  if (authcore::parse_token(req->token) != authcore::TokenKind::kRefresh) return count("unknown"), done;
  auto tenant = deps_.store->find_tenant_by_slug(req->slug);
  if (!tenant) return count(store::has_code(tenant.error(), store::Errc::kNotFound) ? "unknown" : "unavailable"), done;
  // The store finds a family only through rotation; rotate into a successor nobody holds,
  // then revoke the family.
  const auto now = deps_.now_ms();
  const auto dead = authcore::token_hash(authcore::generate_token(authcore::TokenKind::kRefresh));
  const auto presented = authcore::token_hash(req->token);
  auto rotated = deps_.store->rotate_refresh_token(tenant->id, presented, {Bytes(dead.begin(), dead.end()), now, now}, now);
  if (!rotated) {
    if (!store::has_code(rotated.error(), store::Errc::kNotFound)) return count("unavailable"), detail::unavailable();
    return count("unknown"), done;
  }
  if (auto st = deps_.store->revoke_refresh_family(tenant->id, rotated->family_id, now, "logout"); !st) {
    return count("unavailable"), detail::unavailable();
  }
  count("ok");
  return done;
}

}  // namespace bw::auth::api
