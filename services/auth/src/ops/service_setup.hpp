// What the running service and the operator commands both build from the configuration:
// the store, the key-encryption key ring and the password hasher, so a command run with
// the service's own configuration file opens exactly what the service opens.
#pragma once

#include "bw/authcore/password_hash.hpp"
#include "bw/authcore/sealed_secret.hpp"
#include "bw/config/config.hpp"
#include "bw/result.hpp"
#include "store/store.hpp"

namespace bw::auth::ops {

store::TimeMs now_ms();

// auth.database_url, auth.sqlite_path, auth.database_pool_size, auth.database_statement_timeout.
store::StoreConfig store_config(const config::Values& values);

// The KEK ring from auth.kek_file (a private file) and auth.kek_id. Errors name the key,
// never the content.
Result<authcore::KeyRing> load_kek(const config::Values& values);

// Argon2id at auth.password_memory_kib and auth.password_passes.
Result<authcore::PasswordHasher> make_hasher(const config::Values& values);

}  // namespace bw::auth::ops
