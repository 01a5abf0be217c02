// Claude Code's headless output (`--output-format stream-json --verbose`): one JSON object
// per line — `system` (subtype `init` carries session_id, cwd, tools, model), `assistant`
// and `user` messages, and a `result` at the end of each turn. StreamJsonReader turns the
// child's stdout bytes into checked lines, pure and I/O-free (fuzzed: fuzz_stream_json).
//
// Guarantees:
//  - a line is at most kMaxLine bytes; a longer one is reported once as kOversized and
//    skipped up to its newline (memory stays bounded whatever the child prints);
//  - each line must be a JSON object with a string `type`; anything else is kMalformed
//    (reported, never forwarded as if it were Claude Code's);
//  - a good line is kept exactly as printed (`line`, without the newline) with its type,
//    subtype and session_id picked out; nothing else is interpreted here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bw::agent::session {

inline constexpr std::size_t kMaxLine = 4 * 1024 * 1024;

struct StreamEvent {
  enum class Kind { kEvent, kMalformed, kOversized } kind = Kind::kEvent;
  std::string type, subtype, session_id;  // from the object ("" when absent)
  bool is_error = false;                  // a result with is_error: true
  std::string line;                       // kEvent: the line as printed
};

class StreamJsonReader {
 public:
  // Feeds bytes; returns the events of the lines they completed, in order.
  std::vector<StreamEvent> feed(std::string_view bytes);
  // At end of output: a last line without its newline, if any.
  std::vector<StreamEvent> finish();

 private:
  void complete(std::vector<StreamEvent>& out);
  std::string partial_;
  bool skipping_ = false;  // inside an oversized line
};

// Parses one complete line (exposed for tests and the fuzzer).
StreamEvent parse_stream_line(std::string_view line);

}  // namespace bw::agent::session
