// Fuzzes request-body parsing (bw::json::parse_object) and the response writer: any input is
// accepted or refused, never crashes or hangs; an accepted body is a JSON object a full
// parser also accepts; finish() with nothing read refuses exactly the non-empty objects;
// and whatever bytes the writer is given, it produces a string a full parser accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bw/json/object.hpp"
#include "bw/json/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto fields = bw::json::parse_object(text);
  if (fields) {
    if (!nlohmann::json::accept(text.begin(), text.end())) std::abort();
    if (static_cast<bool>(fields->finish()) != (fields->size() == 0)) std::abort();
  }
  std::string out;
  bw::json::append_string(out, text);
  if (!nlohmann::json::accept(out)) std::abort();
  return 0;
}
