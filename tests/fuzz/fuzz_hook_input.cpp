// Fuzzes the approval hook's parsers (agent/src/hook/hook_wire.hpp): any bytes give a value
// or an Error, never a crash, a hang, a leak or an exception. The first byte picks what the
// rest is: 0 Claude Code's PreToolUse input, 1 a socket request line, 2 an answer line.
// Whatever parses must survive encode -> parse unchanged (what the agent hashes and shows
// is what the hook read).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hook/hook_wire.hpp"

using namespace bw::agent::hook;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::string_view body(std::string_view line) { return line.substr(0, line.size() - 1); }  // drop '\n'

void same_call(const HookCall& a, const HookCall& b) {
  check(a.session_id == b.session_id && a.tool_use_id == b.tool_use_id && a.tool_name == b.tool_name &&
        a.cwd == b.cwd && a.permission_mode == b.permission_mode && a.tool_input == b.tool_input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto c = parse_hook_input(text);
      if (!c) return 0;
      auto r = parse_request(body(encode_request(*c, "secret")));
      check(r.ok() && r->secret == "secret");
      same_call(*c, r->call);
      return 0;
    }
    case 1: {
      auto r = parse_request(text);
      if (!r) return 0;
      auto again = parse_request(body(encode_request(r->call, r->secret)));
      check(again.ok() && again->secret == r->secret);
      same_call(r->call, again->call);
      return 0;
    }
    default: {
      auto d = parse_answer(text);
      if (!d) return 0;
      (void)claude_output(*d);
      auto again = parse_answer(body(encode_answer(*d)));
      check(again.ok() && again->allow == d->allow);
      return 0;
    }
  }
}
