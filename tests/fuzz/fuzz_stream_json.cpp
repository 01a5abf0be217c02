// Fuzzes the reader of Claude Code's stream-json output (agent/src/session/stream_json.hpp):
// any bytes, fed in arbitrary chunks, give events — never a crash, a hang or unbounded
// memory — and every forwarded line is one parse_stream_line() accepts again unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "session/stream_json.hpp"

using namespace bw::agent::session;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64;  // the first byte picks the chunk size
  const std::string_view all(reinterpret_cast<const char*>(data + 1), size - 1);
  StreamJsonReader r;
  auto check = [](const std::vector<StreamEvent>& events) {
    for (const auto& e : events) {
      if (e.kind != StreamEvent::Kind::kEvent) continue;
      if (e.line.find('\n') != std::string::npos || e.type.empty()) std::abort();
      auto again = parse_stream_line(e.line);
      if (again.kind != StreamEvent::Kind::kEvent || again.line != e.line || again.type != e.type) std::abort();
    }
  };
  for (std::size_t i = 0; i < all.size(); i += step) check(r.feed(all.substr(i, step)));
  check(r.finish());
  return 0;
}
