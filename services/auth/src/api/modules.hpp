// The public API's handler modules; each registers its routes on the Router over the
// shared ApiCore (core.hpp). docs/protocol.md ("Auth API") lists every route.
#pragma once

#include "api/audit_reader.hpp"
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
// devices.cpp: POST /v1/device/code, /v1/device/approve, /v1/device/deny, /v1/device/token,
// GET /v1/devices, PATCH and DELETE /v1/devices/{id}, GET /v1/device/self.
void add_device_routes(Router& router, const ApiCore& core);
// tenant.cpp: GET /v1/tenant, GET /v1/users, GET|PATCH /v1/users/{id}, POST /v1/users/{id}/disable,
// and (calling add_invitation_routes) invitations.cpp: POST /v1/invitations, /v1/invitations/accept.
void add_tenant_routes(Router& router, const ApiCore& core);
void add_invitation_routes(Router& router, const ApiCore& core);
// audit_routes.cpp: GET /v1/audit/checkpoint, /v1/audit/keys, /v1/audit/events,
// /v1/audit/proofs/inclusion, /v1/audit/proofs/consistency (owners and admins, own tenant).
void add_audit_routes(Router& router, const ApiCore& core, std::shared_ptr<AuditReader> reader);

}  // namespace bw::auth::api
