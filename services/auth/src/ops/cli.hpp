// The operator command line of breakwater-auth:
//   breakwater-auth <command> [--config FILE] [options]   (see usage() / --help)
// Commands run once against the configured database and exit; they never start a server
// and never call the service's API.
//
// Contract:
//  - exit 0: done; 1: refused or failed (the tenant exists, no such user, database down);
//    2: usage or configuration error (nothing was changed); 3: done in the database, but
//    the new revocation epoch could not be published to Redis (other services accept the
//    user's access tokens until they expire, at most 5 minutes);
//  - a generated secret goes to `out` (stdout) once and nowhere else; errors go to `err`;
//    nothing is written to the service log;
//  - the configuration is read exactly as the service reads it (file, then environment).
#pragma once

#include <ostream>

#include "bw/service/service_main.hpp"

namespace bw::auth::ops {

// True when argv[1] names an operator command (then main() calls run_command()).
bool is_command(int argc, char** argv);

// Runs the command in argv[1]. `spec` supplies the configuration schema and validation.
int run_command(int argc, char** argv, const service::ServiceSpec& spec, std::ostream& out, std::ostream& err);

// The commands' summary, for the service's --help.
const char* commands_help();

}  // namespace bw::auth::ops
