// The audit schema's migrations: migrations/NNNN_name.sql, embedded at build time
// (bw_embed_sql_migrations in CMakeLists.txt), applied by bw::sql::migrate() with
// kMigrationOptions (store.hpp).
#pragma once

#include <span>

#include "bw/sql/migrations.hpp"

namespace bw::audit::store {

// The migrations built into this binary, ordered by version.
std::span<const bw::sql::Migration> builtin_migrations();

}  // namespace bw::audit::store
