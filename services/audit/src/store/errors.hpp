// The audit store's error codes are the SQL port's (bw::sql::Errc): stable numbers carried in
// bw::Error::code. Messages name tables and constraints, never values.
#pragma once

#include "bw/sql/errors.hpp"

namespace bw::audit::store {

using bw::sql::Errc;
using bw::sql::errc_name;
using bw::sql::has_code;
using bw::sql::make_error;

}  // namespace bw::audit::store
