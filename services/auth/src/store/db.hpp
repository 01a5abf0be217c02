// The SQL port the auth store is written against now lives in libs/sql (bw::sql); these
// names keep the store's code and tests unchanged.
#pragma once

#include "bw/sql/db.hpp"

namespace bw::auth::store {

using bw::sql::Connection;
using bw::sql::Database;
using bw::sql::Dialect;
using bw::sql::in_transaction;
using bw::sql::open_postgres;
using bw::sql::open_sqlite;
using bw::sql::PostgresOptions;
using bw::sql::Row;
using bw::sql::Rows;
using bw::sql::SqliteOptions;
using bw::sql::Value;

}  // namespace bw::auth::store
