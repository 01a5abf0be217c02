// AuthApi routing, sign-up, the current user, the key set and token issuing (auth_api.hpp).
// Sign-in, refresh and logout are in sessions.cpp.
#include "api/auth_api.hpp"

#include "api/api_support.hpp"
#include "bw/authcore/errors.hpp"
#include "bw/authcore/password_policy.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"
#include "bw/jwt/jwt.hpp"
#include "bw/log/log.hpp"
#include "store/errors.hpp"

namespace bw::auth::api {

using detail::error;

AuthApi::AuthApi(ApiOptions options, ApiDeps deps, metrics::Factory& metrics)
    : options_(std::move(options)), deps_(std::move(deps)), metrics_(std::make_shared<Metrics>(metrics)) {}

http::Response AuthApi::handle(const http::Request& request) {
  const std::string& p = request.path;
  const bool post = request.method == "POST";
  const bool get = request.method == "GET" || request.method == "HEAD";
  std::string route = p;
  http::Response r;
  if (p == "/v1/signup" && post) {
    r = signup(request);
  } else if (p == "/v1/login" && post) {
    r = login(request);
  } else if (p == "/v1/token/refresh" && post) {
    r = refresh(request);
  } else if (p == "/v1/logout" && post) {
    r = logout(request);
  } else if (p == "/v1/me" && get) {
    r = me(request);
  } else if (p == "/.well-known/jwks.json" && get) {
    r = jwks();
  } else if (p == "/v1/signup" || p == "/v1/login" || p == "/v1/token/refresh" || p == "/v1/logout" ||
             p == "/v1/me" || p == "/.well-known/jwks.json") {
    r = error(405, "method_not_allowed", "method not allowed on this path");
    r.headers.emplace_back("Allow", p == "/v1/me" || p == "/.well-known/jwks.json" ? "GET" : "POST");
  } else {
    route = "other";  // never a caller-chosen label value
    r = error(404, "not_found", "no such endpoint");
  }
  metrics_->responses.add({{"route", route}, {"status", std::to_string(r.status)}}).Increment();
  return r;
}

http::Response AuthApi::signup(const http::Request& request) {
  const auto count = [&](const char* result) { metrics_->signups.add({{"result", result}}).Increment(); };
  auto fields = json::parse_object(request.body);
  if (!fields) return count("invalid"), detail::bad_request(fields.error());
  auto tenant = fields->string("tenant", 1, 63);
  auto login = fields->string("login", 1, 64);
  auto email = fields->string("email", 1, 254);
  auto password = fields->string("password", 1, authcore::kMaxPasswordBytes);
  for (const Error* e : {tenant ? nullptr : &tenant.error(), login ? nullptr : &login.error(),
                         email ? nullptr : &email.error(), password ? nullptr : &password.error()}) {
    if (e) return count("invalid"), detail::bad_request(*e);
  }
  if (auto st = fields->finish(); !st) return count("invalid"), detail::bad_request(st.error());
  const std::string slug = detail::lower_ascii(*tenant);
  const std::string user_login = detail::lower_ascii(*login);
  const std::string user_email = detail::lower_ascii(*email);
  if (!detail::valid_slug(slug)) {
    return count("invalid"), error(400, "invalid_request", "tenant: 3 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-'");
  }
  if (!detail::valid_login(user_login)) {
    return count("invalid"), error(400, "invalid_request", "login: 1 to 64 characters of a-z, 0-9 and . _ @ + -");
  }
  if (!detail::valid_email(user_email)) return count("invalid"), error(400, "invalid_request", "email: not an e-mail address");
  if (auto st = authcore::check_new_password(*password, {user_login, user_email}); !st) {
    return count("weak_password"), error(400, "weak_password", "password: " + st.error().message);
  }
  auto phc = deps_.hasher->hash(*password);
  if (!phc) return count("error"), error(500, "internal", "internal error");
  const auto now = deps_.now_ms();
  store::Tenant t{detail::new_id(), slug, slug, false, now};
  store::User owner;
  owner.tenant_id = t.id;
  owner.id = detail::new_id();
  owner.login = user_login;
  owner.email = user_email;
  owner.role = store::Role::kOwner;
  owner.password_phc = std::move(phc.value());
  owner.created_at = now;
  if (auto st = deps_.store->create_tenant_with_owner(t, owner); !st) {
    if (store::has_code(st.error(), store::Errc::kConflict)) {
      return count("conflict"), error(409, "conflict", "this sign-up cannot be completed; choose another tenant name");
    }
    log::warn("signup_store_error", {{"error", st.error().message}});
    return count("unavailable"), detail::unavailable();
  }
  count("created");
  log::info("signup", {{"tenant_id", detail::id_hex(t.id)}, {"user_id", detail::id_hex(owner.id)}});
  json::Writer w;
  w.begin_object().field("tenant_id", detail::id_hex(t.id)).field("user_id", detail::id_hex(owner.id)).end_object();
  return detail::json(201, w.take());
}

http::Response AuthApi::me(const http::Request& request) {
  const auto refuse = [&](std::string_view result, std::string_view description) {
    metrics_->token_checks.add({{"result", std::string(result)}}).Increment();
    auto r = error(401, "invalid_token", "the access token is missing, malformed, expired or not valid here");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"breakwater\", error=\"invalid_token\", error_description=\"" +
                                                   std::string(description) + "\"");
    return r;
  };
  const auto header = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header || header->size() <= kBearer.size() || detail::lower_ascii(header->substr(0, kBearer.size())) != "bearer ") {
    return refuse("missing", "missing bearer token");
  }
  const std::string_view token = header->substr(kBearer.size());
  jwt::VerifyOptions vo{options_.issuer, options_.audience, jwt::TokenKind::kAccess, jwt::kDefaultLeeway};
  auto claims = jwt::verify(*deps_.keys, token, vo, deps_.now_ms() / 1000);
  if (!claims) return refuse(jwt::errc_name(static_cast<jwt::Errc>(claims.error().code)), "token refused");
  const auto tenant_id = detail::parse_id(claims->tenant);
  const auto user_id = detail::parse_id(claims->subject);
  if (!tenant_id || !user_id) return refuse("invalid_claim", "token refused");
  auto user = deps_.store->get_user(*tenant_id, *user_id);
  if (!user) {
    if (store::has_code(user.error(), store::Errc::kNotFound)) return refuse("unknown_user", "token refused");
    return detail::unavailable();
  }
  if (user->disabled_at) return refuse("disabled_user", "token refused");
  metrics_->token_checks.add({{"result", "ok"}}).Increment();
  json::Writer w;
  w.begin_object()
      .field("tenant_id", claims->tenant)
      .field("user_id", claims->subject)
      .field("role", store::role_name(user->role))
      .field("login", user->login)
      .end_object();
  return detail::json(200, w.take());
}

http::Response AuthApi::jwks() const {
  auto r = detail::json(200, deps_.keys->to_jwks());
  r.content_type = "application/jwk-set+json";
  r.cacheable = true;
  return r;
}

std::string AuthApi::sign_access_token(const store::User& user, const store::Id& family_id) {
  const std::int64_t now_s = deps_.now_ms() / 1000;
  jwt::Claims c;
  c.issuer = options_.issuer;
  c.audience = {options_.audience};
  c.subject = detail::id_hex(user.id);
  c.tenant = detail::id_hex(user.tenant_id);
  c.role = std::string(store::role_name(user.role));
  c.session = detail::id_hex(family_id);
  c.token_id = crypto::hex_encode(crypto::random(16));
  c.issued_at = now_s;
  c.expires_at = now_s + jwt::kMaxAccessLifetime.count();
  auto token = jwt::sign(*deps_.keys->signing_key(), c, jwt::TokenKind::kAccess);
  return token ? std::move(token.value()) : std::string();
}

http::Response AuthApi::token_response(const store::User& user, const store::Id& family_id,
                                       const std::string& refresh_token) {
  const std::string access = sign_access_token(user, family_id);
  if (access.empty()) return error(500, "internal", "internal error");
  json::Writer w;
  w.begin_object()
      .field("access_token", access)
      .field("token_type", "Bearer")
      .field("expires_in", static_cast<std::int64_t>(jwt::kMaxAccessLifetime.count()))
      .field("refresh_token", refresh_token)
      .end_object();
  return detail::json(200, w.take());  // not cacheable: Cache-Control: no-store
}

}  // namespace bw::auth::api
