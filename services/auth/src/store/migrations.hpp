// The auth schema's migrations: migrations/NNNN_name.sql, embedded at build time
// (bw_embed_sql_migrations in CMakeLists.txt) and applied by bw::sql::migrate(), whose
// guarantees (libs/sql/include/bw/sql/migrations.hpp) hold: one transaction per migration,
// re-running is a no-op, concurrent starts serialise, a newer schema is refused.
#pragma once

#include <span>

#include "bw/sql/migrations.hpp"
#include "store/db.hpp"

namespace bw::auth::store {

using bw::sql::adapt_sql;
using bw::sql::migrate;
using bw::sql::Migration;
using bw::sql::schema_version;

// The migrations built into this binary, ordered by version.
std::span<const Migration> builtin_migrations();

}  // namespace bw::auth::store
