// `breakwater audit …` (see audit_commands.cpp).
#pragma once

namespace bw::cli {

struct CommandEnv;

// argv[0] is the subcommand (verify, export). Exit: 0 ok, 1 failed, 2 usage.
int audit_command(const CommandEnv& env, int argc, char** argv);

}  // namespace bw::cli
