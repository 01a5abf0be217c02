// Operator commands of breakwater-auth (docs/operations.md, "Operator commands"): run
// against the configured database directly, never over an API, by someone who can exec
// into the service (the only way to reset another person's password or MFA).
//
// Each command is a plain function over ports (Store, hasher, KEK, Revocations, clock), so
// tests run them on SQLite without a process; cli.hpp parses argv and prints.
//
// Guarantees:
//  - a generated credential is a one-time token (authcore kOneTime, "bwot_", 256 bits)
//    returned to the caller only: never logged, never in an audit payload;
//  - every command that changes something queues an audit event in the store's outbox
//    (actor "operator"); a signing-key rotation is service-wide and is queued under the
//    all-zero tenant id;
//  - a password or MFA reset ends every session of the user (epoch + 1, refresh families
//    revoked, in the store's one transaction) and publishes the new epoch when a
//    Revocations port is given; `published` tells whether that worked.
// Errors carry an OpsErrc code and a message fit for the operator (no secret in it).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "api/revocations.hpp"
#include "bw/authcore/password_hash.hpp"
#include "bw/authcore/sealed_secret.hpp"
#include "bw/result.hpp"
#include "store/store.hpp"

namespace bw::auth::ops {

enum class OpsErrc : int {
  kInvalid = 1,      // a malformed argument (slug, login, e-mail)
  kExists = 2,       // bootstrap: the tenant already exists
  kNotFound = 3,     // no such tenant or user, or nothing to reset
  kUnavailable = 4,  // the store (or the KEK) failed
};

struct OpsDeps {
  store::Store* store = nullptr;
  const authcore::PasswordHasher* hasher = nullptr;  // bootstrap, reset-password
  const authcore::KeyRing* kek = nullptr;            // rotate-signing-key
  api::Revocations* revocations = nullptr;           // null: epochs are not published
  std::function<store::TimeMs()> now_ms;
};

struct BootstrapResult {
  store::Id tenant_id{};
  store::Id user_id{};
  std::string password;  // the one-time credential; print once, never log
};

// Creates tenant `slug` with its first owner (login, e-mail) and a generated password.
// kExists when the slug is taken (nothing is changed).
Result<BootstrapResult> bootstrap(const OpsDeps& deps, std::string_view slug, std::string_view login,
                                  std::string_view email);

struct ResetResult {
  store::Id tenant_id{};
  store::Id user_id{};
  std::int64_t revoke_epoch = 0;
  bool published = false;  // the epoch reached the revocation store (or none is configured)
  std::string password;    // reset_password only
};

// A generated password for the user; every session ends.
Result<ResetResult> reset_password(const OpsDeps& deps, std::string_view slug, std::string_view login);
// Removes the user's TOTP secret and recovery codes; every session ends. kNotFound when
// the user has no TOTP enrolment.
Result<ResetResult> reset_mfa(const OpsDeps& deps, std::string_view slug, std::string_view login);

struct RotateResult {
  std::string kid;
};

// A fresh Ed25519 key, sealed under the KEK, becomes the current signing key; the current
// key becomes previous (still verifies), the previous one retired.
Result<RotateResult> rotate_signing_key(const OpsDeps& deps);

}  // namespace bw::auth::ops
