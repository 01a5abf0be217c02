// Auth's audit outbox rows → audit events (DESIGN §6). Pure: no I/O.
//
// Each outbox kind (a stable snake_case name written by api/ and ops/) maps to one action
// ("auth.login", "auth.device.revoked", ...), an actor, a target and a result through one
// table (audit_mapping.cpp, kRules). From the JSON payload only ids (decoded from hex), the
// source address and a fixed allowlist of short, closed-set attributes (amr, role, from,
// to, kind, required, result, command, kid) are taken: anything else in a payload (e.g.
// an invitation's e-mail address) never reaches the audit log.
//
// Guarantees: every row yields an event (an unknown kind becomes "auth.<kind>", anonymous,
// result success, attribute mapping=unknown_kind; an unreadable payload keeps the action
// and the table's result, anonymous, mapping=payload_unreadable), and the
// event id is the row's stored event_id, or — for rows written before migration 0003 —
// a hash of the row, so every replica and every retry sends the same id.
#pragma once

#include <string_view>

#include "bw/auditclient/event.hpp"
#include "store/types.hpp"

namespace bw::auth::ops {

auditclient::Event outbox_event(const store::AuditEvent& row);

// The action a kind maps to ("auth.<kind>" for a kind the table does not know).
std::string audit_action(std::string_view kind);

}  // namespace bw::auth::ops
