// The auth store's error codes are the SQL port's (bw::sql::Errc, libs/sql): stable numbers
// carried in bw::Error::code so the service can map them to answers and metrics. Messages
// name tables/constraints, never values (no token hashes, codes, keys or passwords).
#pragma once

#include "bw/sql/errors.hpp"

namespace bw::auth::store {

using bw::sql::Errc;
using bw::sql::errc_name;
using bw::sql::has_code;
using bw::sql::make_error;

}  // namespace bw::auth::store
