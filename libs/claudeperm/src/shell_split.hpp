// Splits a Bash command line into the simple commands it runs, for permission matching.
//
// Not a shell: a conservative scanner that knows quoting ('…', "…", \x), the separators
// && || ; | |& & newline ( ), redirections (N> >> &> >| < << <<< >&N), and command and
// process substitution ($(…), `…`, <(…), >(…)), whose inner commands are listed too, as
// are the commands of "sh -c '…'" / "bash -c" and "eval …".
// It never under-reports: whatever it cannot follow (an unterminated quote, nesting deeper
// than kMaxDepth) marks the parse incomplete, and every command that holds a substitution
// or a file redirection is marked so that no allow rule can approve it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bw::claudeperm::detail {

struct SimpleCommand {
  std::string raw;            // the command as written, trimmed
  std::string allow_text;     // what allow rules see: raw minus harmless redirections
  bool allow_blocked = false; // holds a substitution or a redirection from/to a file
  std::string plain;          // unquoted words without redirections, leading VAR=x
                              // assignments and wrappers (timeout, nice, env, sudo, ...)
  std::vector<std::string> redirect_targets;  // files named by < > >> &> >| (unquoted)
};

struct ShellParse {
  std::vector<SimpleCommand> commands;
  bool complete = true;  // false: an unterminated quote or substitution, or too deep
};

inline constexpr int kMaxDepth = 16;
inline constexpr std::size_t kMaxCommands = 4096;  // more simple commands: incomplete

ShellParse parse_shell(std::string_view command);

}  // namespace bw::claudeperm::detail
