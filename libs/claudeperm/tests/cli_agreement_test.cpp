// The evaluator against the real Claude Code CLI (issue 6): every case of cases.hpp that the
// CLI can decide by itself is run through `claude -p` with the case's settings files and no
// hook, the scripted model making the case's tool call, and what Claude Code did must match
// what the evaluator decides — or, for a documented divergence, exactly what the notes in
// cases.cpp say Claude Code does (Breakwater being the stricter one).
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
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bw/claudeperm/permissions.hpp"
#include "bw/testing/claude_code.hpp"
#include "bw/testing/model_server.hpp"
#include "bw/testing/temp_dir.hpp"
#include "cases.hpp"

namespace bw::claudeperm::testcases {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ClaudeCodeRun;
using testing::ScriptedModelServer;
using testing::ScriptedToolUse;
using testing::ScriptedTurn;

constexpr int kParallelRuns = 4;
constexpr const char* kCaseToolUseId = "toolu_bw_case";
constexpr const char* kFileContent = "{}\n";  // valid JSON: some targets are settings files

// A loopback port that refuses connections for as long as this lives (bound, never listening).
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~RefusingPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// The case's world in a scratch folder.
struct World {
  fs::path home;     // /home/u
  fs::path project;  // /home/u/proj
  std::string rewrite(std::string text) const {
    replace_all(text, std::string(kProject), project.string());
    replace_all(text, std::string(kHome), home.string());
    return text;
  }
  fs::path agent_file() const { return home / ".local/state/breakwater/claude-settings.json"; }
  fs::path file_of(Source s) const {
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

// The evaluator's decision, as the CLI would show it: a kNone read inside the workspace is
// let through by Claude Code's default, and by the agent (is_read_inside_workspace).
struct Expected {
  Verdict verdict;
  CliOutcome outcome;
};
Expected evaluate_in(const Case& c, const World& w) {
  std::vector<SettingsFile> files;
  for (const File& f : c.files) files.push_back(parse_settings(w.rewrite(f.json), f.source, w.file_of(f.source)));
  Context ctx{w.rewrite(c.cwd), w.project.string(), w.home.string(), (w.home / ".local/state/breakwater").string(),
              c.trusted};
  const ToolCall call{c.tool, w.rewrite(c.input)};
  Expected e{evaluate(files, call, ctx), CliOutcome::kNeedsPermission};
  switch (e.verdict.decision) {
    case Decision::kAllow: e.outcome = CliOutcome::kRan; break;
    case Decision::kDeny: e.outcome = CliOutcome::kDenied; break;
    case Decision::kAsk: break;
    case Decision::kNone:
      if (is_read_inside_workspace(files, call, ctx)) e.outcome = CliOutcome::kRan;
      break;
  }
  return e;
}

fs::path resolve(const std::string& p, const fs::path& cwd) {
  return (fs::path(p).is_absolute() ? fs::path(p) : cwd / p).lexically_normal();
}

bool inside(const fs::path& p, const fs::path& root) {
  auto rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

// The case's input made valid for the real tool (the fields the evaluator does not read), and
// the files it names created inside the scratch tree so that the tool can run.
json cli_input(const Case& c, const World& w, const fs::path& root) {
  json in = json::parse(w.rewrite(c.input));
  const fs::path cwd = w.rewrite(c.cwd);
  const std::string tool = c.tool;
  const char* path_key = tool == "NotebookEdit" ? "notebook_path" : "file_path";
  if (in.contains(path_key)) {
    const fs::path target = resolve(in[path_key].get<std::string>(), cwd);
    if (inside(target, root)) {
      fs::create_directories(target.parent_path());
      if ((tool == "Read" || tool == "NotebookEdit") && !fs::exists(target)) {
        std::ofstream(target) << (tool == "NotebookEdit"
                                      ? R"({"cells":[],"metadata":{},"nbformat":4,"nbformat_minor":5})"
                                      : kFileContent);
      }
    }
  }
  if (tool == "Edit") {  // a missing file is created (old_string ""); an existing one is edited whole
    const fs::path target = resolve(in.value(path_key, ""), cwd);
    const std::string old_text = fs::exists(target) ? testing::read_text_file(target) : "";
    in["old_string"] = old_text;
    in["new_string"] = old_text + kFileContent;
  } else if (tool == "Write") {
    in["content"] = kFileContent;
  } else if (tool == "NotebookEdit") {
    in["cell_type"] = "code";
    in["edit_mode"] = "insert";
  } else if (tool == "WebFetch") {
    in["prompt"] = "Summarise the page";
  }
  return in;
}

void write_file(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

struct Observation {
  std::optional<CliOutcome> outcome;  // nullopt: could not tell (see detail)
  std::string tool_result;            // what Claude Code sent back to the model for the call
  std::string detail;                 // the run, for failure messages
  double seconds = 0;
};

// The content of the tool_result for `id` in the conversation Claude Code sent last.
std::optional<json> tool_result_for(const ScriptedModelServer& model, const std::string& id) {
  auto turns = model.turn_requests();
  for (auto req = turns.rbegin(); req != turns.rend(); ++req) {
    json body = json::parse(req->body, nullptr, false);
    if (body.is_discarded() || !body.contains("messages")) continue;
    for (const auto& m : body["messages"]) {
      if (!m["content"].is_array()) continue;
      for (const auto& block : m["content"]) {
        if (block.value("type", "") == "tool_result" && block.value("tool_use_id", "") == id) return block;
      }
    }
  }
  return std::nullopt;
}

std::string text_of(const json& tool_result) {
  const auto& c = tool_result["content"];
  if (c.is_string()) return c.get<std::string>();
  std::string text;
  for (const auto& part : c) text += part.value("text", "");
  return text;
}

bool listed_as_denied(const std::string& stdout_text, const std::string& id) {
  std::istringstream lines(stdout_text);
  for (std::string line; std::getline(lines, line);) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("type", "") != "result" || !j.contains("permission_denials")) continue;
    for (const auto& d : j["permission_denials"]) {
      if (d.value("tool_use_id", "") == id) return true;
    }
  }
  return false;
}

bool has_any(const std::string& text, std::initializer_list<const char*> parts) {
  return std::any_of(parts.begin(), parts.end(), [&](const char* p) { return text.find(p) != std::string::npos; });
}

// The texts Claude Code 2.1.330 sends back; anything else is "cannot tell" and fails the case.
std::optional<CliOutcome> classify(const std::string& text, bool in_denials) {
  if (has_any(text, {"has been denied", "is disabled for this session", "denied by your permission settings"})) {
    return CliOutcome::kDenied;
  }
  if (in_denials) {
    if (has_any(text, {"requested permissions to", "require approval", "requires approval", "needs approval",
                       "can't be checked before it runs", "Dangerous rm operation", "Parse error", "Parser aborted",
                       "Approving runs"})) {
      return CliOutcome::kNeedsPermission;
    }
    return std::nullopt;
  }
  // An input error may come before the permission check: it says nothing about the rules.
  if (has_any(text, {"<tool_use_error>"})) return std::nullopt;
  return CliOutcome::kRan;
}

// Prepares the case's world under `root` and runs Claude Code on it once.
Observation run_case(const Case& c, const fs::path& root, int refusing_port) {
  Observation o;
  const World w{root / "u", root / "u" / "proj"};
  fs::create_directories(w.project);
  for (const File& f : c.files) write_file(w.file_of(f.source), w.rewrite(f.json));
  write_file(w.home / ".claude.json",
             json{{"projects", {{w.project.string(), {{"hasTrustDialogAccepted", c.trusted}}}}}}.dump());
  const fs::path cwd = w.rewrite(c.cwd);
  fs::create_directories(cwd);

  std::vector<ScriptedTurn> scenario;
  if (cwd != w.project) {
    scenario.push_back(ScriptedTurn::call("Bash", json{{"command", "cd " + cwd.string()}}.dump()));
  }
  const json input = cli_input(c, w, root);
  if (std::string(c.tool) == "NotebookEdit") {  // NotebookEdit wants the notebook read first
    scenario.push_back(ScriptedTurn::call("Read", json{{"file_path", input["notebook_path"]}}.dump()));
  }
  scenario.push_back(ScriptedTurn{{}, {ScriptedToolUse{c.tool, input.dump(), kCaseToolUseId}}});
  // WebSearch asks the model for the search itself (a request with tools: a turn here).
  if (std::string(c.tool) == "WebSearch") scenario.push_back(ScriptedTurn::say("Search results: none"));
  scenario.push_back(ScriptedTurn::say("Done"));
  auto model = ScriptedModelServer::start(std::move(scenario));
  if (!model.ok()) {
    o.detail = model.error().message;
    return o;
  }

  ClaudeCodeRun run;
  run.home = w.home;
  run.working_dir = w.project;
  run.base_url = model->base_url();
  run.args = {"-p", "please do the task", "--output-format", "stream-json", "--verbose"};
  if (std::any_of(c.files.begin(), c.files.end(), [](const File& f) { return f.source == Source::kAgent; })) {
    run.args.insert(run.args.end(), {"--settings", w.agent_file().string()});
  }
  const std::string proxy = "http://127.0.0.1:" + std::to_string(refusing_port);
  for (const char* var : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}) {
    run.env.push_back(std::string(var) + "=" + proxy);
  }
  run.env.push_back("NO_PROXY=127.0.0.1,localhost");
  run.env.push_back("no_proxy=127.0.0.1,localhost");
  run.timeout = std::chrono::seconds(60);

  const auto start = std::chrono::steady_clock::now();
  auto result = testing::run_claude_code(run);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok()) {
    o.detail = result.error().message;
    return o;
  }
  o.detail = model->describe_requests() + result->describe();
  auto tool_result = tool_result_for(*model, kCaseToolUseId);
  if (!tool_result) return o;
  o.tool_result = text_of(*tool_result);
  o.outcome = classify(o.tool_result, listed_as_denied(result->out, kCaseToolUseId));
  return o;
}

std::vector<Case> checked_cases() {
  std::vector<Case> out;
  for (const Case& c : cases()) {
    if (cli_check(c).checked) out.push_back(c);
  }
  return out;
}

std::string describe_files(const Case& c) {
  std::string s;
  for (const File& f : c.files) s += "  " + std::string(source_name(f.source)) + ": " + f.json + "\n";
  return s.empty() ? "  (no settings files)\n" : s;
}

class CliAgreement : public ::testing::TestWithParam<Case> {
 public:
  // All runs happen here, kParallelRuns at a time; the tests then only compare.
  static void SetUpTestSuite() {
    auto scratch = testing::TempDir::create("bw-cliagree-");
    ASSERT_TRUE(scratch.ok()) << scratch.error().message;
    scratch_ = new testing::TempDir(std::move(scratch).value());
    const fs::path root = fs::canonical(scratch_->path());
    const std::vector<Case> all = selected_cases();
    RefusingPort refusing;
    std::atomic<std::size_t> next{0};
    std::mutex mu;
    auto worker = [&] {
      for (std::size_t i = next++; i < all.size(); i = next++) {
        Observation o = run_case(all[i], root / std::to_string(i), refusing.port());
        std::lock_guard<std::mutex> lock(mu);
        observations_[all[i].name] = std::move(o);
      }
    };
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < kParallelRuns; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ cli      ] %zu cases (of %zu checkable, %zu in the table) run through claude -p in %.1f s, %d at a time\n",
                all.size(), checked_cases().size(), cases().size(), total, kParallelRuns);
  }
  // The checked cases whose test will run (--gtest_filter and sharding pick a few quickly).
  static std::vector<Case> selected_cases() {
    std::set<std::string> run;
    const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    for (int i = 0; suite != nullptr && i < suite->total_test_count(); ++i) {
      const ::testing::TestInfo* info = suite->GetTestInfo(i);
      const std::string name = info->name();
      if (info->should_run()) run.insert(name.substr(name.find('/') + 1));
    }
    std::vector<Case> out;
    for (const Case& c : checked_cases()) {
      if (run.count(c.name) != 0) out.push_back(c);
    }
    return out;
  }
  static void TearDownTestSuite() {
    delete scratch_;
    scratch_ = nullptr;
  }

 protected:
  static const Observation* observed(const Case& c) {
    auto it = observations_.find(c.name);
    return it == observations_.end() ? nullptr : &it->second;
  }

 private:
  static inline testing::TempDir* scratch_ = nullptr;
  static inline std::map<std::string, Observation> observations_;
};

TEST_P(CliAgreement, ClaudeCodeDecidesAsTheEvaluator) {
  const Case& c = GetParam();
  const Observation* o = observed(c);
  ASSERT_NE(o, nullptr);
  const World w{"/w/u", "/w/u/proj"};  // the evaluator needs no files: any world will do
  const Expected ours = evaluate_in(c, w);
  ASSERT_EQ(ours.verdict.decision, c.want) << "the path rewrite changed the evaluator's decision";
  const CliCheck check = cli_check(c);
  const std::string what = std::string(c.name) + " (" + c.tool + " " + c.input.substr(0, 200) + ", cwd " + c.cwd +
                           (c.trusted ? ", trusted" : ", untrusted") + ")\n" + describe_files(c) +
                           "evaluator: " + std::string(decision_name(ours.verdict.decision)) + " → expects " +
                           std::string(outcome_name(ours.outcome)) + " (" + ours.verdict.reason + ")\n";
  ASSERT_TRUE(o->outcome) << what << "Claude Code's outcome could not be read; tool_result: " << o->tool_result << "\n"
                          << o->detail;
  const std::string seen = "Claude Code: " + std::string(outcome_name(*o->outcome)) + " — \"" +
                           o->tool_result.substr(0, 300) + "\" (" + std::to_string(o->seconds) + " s)\n";
  if (!check.divergence) {
    EXPECT_EQ(outcome_name(*o->outcome), outcome_name(ours.outcome)) << what << seen;
    return;
  }
  // A documented divergence: Claude Code does exactly what the note says, the evaluator still
  // differs, and only ever in the stricter direction.
  EXPECT_EQ(outcome_name(*o->outcome), outcome_name(*check.divergence))
      << what << seen << "documented: " << check.divergence_why;
  EXPECT_NE(ours.outcome, *check.divergence) << what << seen << "no longer diverges: remove the note";
  EXPECT_NE(ours.outcome, CliOutcome::kRan) << what << seen << "the evaluator may never be the more permissive";
}

INSTANTIATE_TEST_SUITE_P(ClaudeCode, CliAgreement, ::testing::ValuesIn(checked_cases()),
                         [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace bw::claudeperm::testcases
