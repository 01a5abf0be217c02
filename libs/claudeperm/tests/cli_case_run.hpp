// Runs one case of cases.hpp through the real Claude Code CLI (the pinned version, against a
// ScriptedModelServer, no hook) and reads what Claude Code did with the case's tool call, for
// cli_agreement_test.cpp.
//
// One run per case, in its own scratch world: /home/u → <scratch>/u, /home/u/proj →
// <scratch>/u/proj, in rules, tool inputs and cwd. The files a case names are written where
// Claude Code reads them:
//   user     ~/.claude/settings.json          project  <proj>/.claude/settings.json
//   local    <proj>/.claude/settings.local.json
//   agent    ~/.local/state/breakwater/claude-settings.json, passed with --settings
// and workspace trust the way Claude Code 2.1.330 records it and honours it in -p mode:
// ~/.claude.json {"projects":{"<proj>":{"hasTrustDialogAccepted":true}}}. Without it, -p
// ignores the permissions.allow entries of <proj>/.claude/settings.json and says so on stderr
// ("this workspace has not been trusted … or set projects[…].hasTrustDialogAccepted: true");
// it does NOT ignore those of settings.local.json (a documented divergence, cases.cpp). A case
// whose cwd is below the project starts Claude Code in the project and has the model `cd`
// there first, as a session would.
//
// What Claude Code did is read from the tool_result it sent back to the model and from the
// `permission_denials` of the result line (classify()):
//   denied           "Permission to use <Tool> with … has been denied." (Bash, WebFetch);
//                    "File is in a directory that is denied by your permission settings."
//                    (Read, Edit); a bare deny rule removes the tool: "No such tool available:
//                    <Tool>. <Tool> is disabled for this session"
//   needs permission listed in permission_denials, with "Claude requested permissions to
//                    <use Bash | write to P | read from P | edit P which is a sensitive
//                    file>, but you haven't granted it yet." or, for Bash, a reason: "This
//                    command requires approval", "… The following parts require approval: …",
//                    "A nested command in this command can't be checked before it runs",
//                    "Dangerous rm operation detected", "Parse error", "Parser aborted …"
//   ran              not listed, and not an input error (<tool_use_error>, which may come
//                    before the permission check and so says nothing); the tool's own result
//                    may still be an error ("Exit code 1", a fetch that found no network)
// In -p mode with nobody to ask, an ask rule and "no rule matched" both end as needs
// permission. The texts do not tell them apart reliably (for Bash an ask rule gives the
// generic "requested permissions to use Bash" and an unmatched command often a specific
// reason, but for Edit both give the same text), so kAsk and kNone both expect needs
// permission — except a kNone read inside the workspace, which Claude Code (and the agent,
// is_read_inside_workspace) let through.
// Every run has http(s)_proxy pointed at a loopback port that refuses connections, so a
// command or fetch that does run never leaves the machine.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "cases.hpp"

namespace bw::claudeperm::testcases {

// A loopback port that refuses connections for as long as this lives (bound, never listening).
class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  int port() const { return port_; }  // 0 when no socket could be bound (connections fail too)

 private:
  int fd_ = -1;
  int port_ = 0;
};

// The case's world in a scratch folder.
struct World {
  std::filesystem::path home;     // /home/u
  std::filesystem::path project;  // /home/u/proj
  std::string rewrite(std::string text) const {
    replace_all(text, std::string(kProject), project.string());
    replace_all(text, std::string(kHome), home.string());
    return text;
  }
  std::filesystem::path agent_file() const { return home / ".local/state/breakwater/claude-settings.json"; }
  std::filesystem::path file_of(Source s) const {
    switch (s) {
      case Source::kUser: return home / ".claude/settings.json";
      case Source::kProject: return project / ".claude/settings.json";
      case Source::kLocal: return project / ".claude/settings.local.json";
      case Source::kAgent: return agent_file();
      case Source::kManaged: break;
    }
    return {};
  }

 private:
  static void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
      s.replace(pos, from.size(), to);
    }
  }
};

// What one run showed.
struct Observation {
  std::optional<CliOutcome> outcome;  // nullopt: could not tell (see detail)
  std::string tool_result;            // what Claude Code sent back to the model for the call
  std::string detail;                 // the run, for failure messages
  double seconds = 0;
};

// Writes the case's world under `root` (a fresh folder) and runs Claude Code on it once, with
// http(s)_proxy at `refusing_port`. Never throws; a run that could not be made or read leaves
// `outcome` empty and says why in `detail`.
Observation run_case_in_claude_code(const Case& c, const std::filesystem::path& root, int refusing_port);

}  // namespace bw::claudeperm::testcases
