// Role rules (role_rules.hpp).
#include "api/role_rules.hpp"

#include "api/core.hpp"

namespace bw::auth::api {

using store::Role;

bool may_manage(Role actor, Role target) {
  if (actor == Role::kOwner) return true;
  return actor == Role::kAdmin && (target == Role::kMember || target == Role::kViewer);
}

bool may_grant(Role actor, Role granted) { return may_manage(actor, granted); }

bool may_change_role(Role actor, Role from, Role to, bool self) {
  if (self) return role_at_least(from, to);  // giving up rights only removes authority
  return may_manage(actor, from) && may_grant(actor, to);
}

bool may_disable(Role actor, Role target, bool self) { return self || may_manage(actor, target); }

}  // namespace bw::auth::api
