// `breakwater audit …` (see audit_commands.cpp).
#pragma once

namespace bw::cli {

// argv[0] is the subcommand (verify, export). Exit: 0 ok, 1 failed, 2 usage.
int audit_command(int argc, char** argv);

}  // namespace bw::cli
