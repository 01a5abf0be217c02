// Fuzzes the Claude Code permission evaluator with a settings file and a tool call:
//   byte 0: bit 0 project trusted, bits 1-3 the settings file's source (mod 5)
//   then:   settings JSON \0 tool name \0 tool_input JSON
// Any input gives a verdict, never a crash, a hang or an exception. Beyond that, properties
// that hold whatever the rules say:
//  - nothing is allowed while a settings file is malformed;
//  - a bare deny rule for the tool, added in another file, always denies;
//  - trusting the project never takes an allow away (it only adds allow rules);
//  - kNone names no rule.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bw/claudeperm/permissions.hpp"

using bw::claudeperm::Context;
using bw::claudeperm::Decision;
using bw::claudeperm::Source;

namespace {

std::string_view next_part(std::string_view& rest) {
  const std::size_t nul = rest.find('\0');
  const std::string_view part = rest.substr(0, nul);
  rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  return part;
}

bool tool_name_ok(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool trusted = (data[0] & 1) != 0;
  const auto source = static_cast<Source>((data[0] >> 1) % 5);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string_view settings = next_part(rest);
  std::string tool(next_part(rest));
  if (tool.empty()) tool = "Bash";
  const std::string input(rest);

  std::vector<bw::claudeperm::SettingsFile> files = {
      bw::claudeperm::parse_settings(settings, source, "fuzz.json")};
  Context ctx;
  ctx.cwd = "/home/u/proj/sub";
  ctx.project_dir = "/home/u/proj";
  ctx.home = "/home/u";
  ctx.agent_state_dir = "/home/u/.local/state/breakwater";
  ctx.project_trusted = trusted;
  const bw::claudeperm::ToolCall call{tool, input};
  const auto v = bw::claudeperm::evaluate(files, call, ctx);

  if (v.decision == Decision::kAllow && !files[0].error.empty()) std::abort();
  if (v.decision == Decision::kNone && !v.rule.empty()) std::abort();

  if (!trusted && v.decision == Decision::kAllow) {
    ctx.project_trusted = true;
    if (bw::claudeperm::evaluate(files, call, ctx).decision != Decision::kAllow) std::abort();
    ctx.project_trusted = false;
  }

  if (tool_name_ok(tool)) {
    files.push_back(bw::claudeperm::parse_settings("{\"permissions\":{\"deny\":[\"" + tool + "\"]}}",
                                                   Source::kProject, "deny.json"));
    if (bw::claudeperm::evaluate(files, call, ctx).decision != Decision::kDeny) std::abort();
  }
  return 0;
}
