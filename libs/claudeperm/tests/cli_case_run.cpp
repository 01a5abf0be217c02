// run_case_in_claude_code(): see cli_case_run.hpp for what a run writes and how its outcome
// is read.
#include "cli_case_run.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "bw/testing/claude_code.hpp"
#include "bw/testing/model_server.hpp"
#include "bw/testing/temp_dir.hpp"

namespace bw::claudeperm::testcases {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ClaudeCodeRun;
using testing::ScriptedModelServer;
using testing::ScriptedToolUse;
using testing::ScriptedTurn;

RefusingPort::RefusingPort() {
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

RefusingPort::~RefusingPort() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

constexpr const char* kCaseToolUseId = "toolu_bw_case";
constexpr const char* kFileContent = "{}\n";  // valid JSON: some targets are settings files

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
}  // namespace

Observation run_case_in_claude_code(const Case& c, const fs::path& root, int refusing_port) {
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

}  // namespace bw::claudeperm::testcases
