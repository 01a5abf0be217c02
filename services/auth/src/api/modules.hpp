// The public API's handler modules; each registers its routes on the Router over the
// shared ApiCore (core.hpp). docs/protocol.md ("Auth API") lists every route.
#pragma once

#include "api/core.hpp"
#include "api/router.hpp"

namespace bw::auth::api {

// sessions.cpp: POST /v1/login, /v1/token/refresh, /v1/logout.
void add_session_routes(Router& router, const ApiCore& core);
// account.cpp: POST /v1/signup, GET /v1/me, POST /v1/me/password, POST /v1/me/sign-out-everywhere,
// GET /.well-known/jwks.json.
void add_account_routes(Router& router, const ApiCore& core);
// mfa.cpp: POST /v1/mfa/totp, /v1/mfa/totp/verify, /v1/mfa/totp/disable, /v1/mfa/recovery-codes, PUT /v1/tenant/mfa.
void add_mfa_routes(Router& router, const ApiCore& core);
// pairing.cpp, pairing_manage.cpp, device_assertion.cpp: POST /v1/pairing/offers, GET /v1/pairing/offers/{id},
// POST /v1/pairing/claims, GET /v1/pairings, GET /v1/device/pairings, DELETE /v1/pairings/{id},
// POST /v1/device/assertion.
void add_pairing_routes(Router& router, const ApiCore& core);

}  // namespace bw::auth::api
