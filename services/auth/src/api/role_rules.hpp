// Who may change whose role, disable whom and invite with which role (docs/security.md,
// "Users, roles and invitations"). Pure functions of roles, so the whole table is tested
// without a store; the handlers in tenant.cpp apply them to the roles read from the store.
//
// The rules, owner > admin > member > viewer:
//  - an owner may manage anyone and grant any role;
//  - an admin may manage only members and viewers, and grant only member or viewer;
//  - members and viewers manage nobody;
//  - on oneself, only what removes authority: a step down (or keeping the same role), never
//    a step up, and disabling one's own account;
//  - the last enabled owner is protected by the store (kConflict), not here.
#pragma once

#include "store/types.hpp"

namespace bw::auth::api {

// The actor may change or disable a user who now holds `target`.
bool may_manage(store::Role actor, store::Role target);
// The actor may give `granted` to someone else (by a role change or an invitation).
bool may_grant(store::Role actor, store::Role granted);
// The actor may move a user from `from` to `to`; `self` when the user is the actor.
bool may_change_role(store::Role actor, store::Role from, store::Role to, bool self);
// The actor may disable a user who holds `target`; `self` when the user is the actor.
bool may_disable(store::Role actor, store::Role target, bool self);

}  // namespace bw::auth::api
