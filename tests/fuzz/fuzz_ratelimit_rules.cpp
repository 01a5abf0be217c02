// Fuzzes the rate-limit rule loader and matcher: any bytes as a rule file must give a
// RuleSet or an Error, never a crash, a hang or an escaping exception; a loaded set must
// answer matches built from its own keys and values and from the input bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/rules.hpp"

namespace {

using bw::ratelimit::DescriptorLevel;
using bw::ratelimit::Entry;

// A request that follows the tree: at each level pick a node by the next byte, and use
// either its configured value or a slice of the input as the request value.
std::vector<Entry> derive_entries(const DescriptorLevel& top, std::string_view bytes, std::size_t salt) {
  std::vector<Entry> out;
  const DescriptorLevel* level = &top;
  for (std::size_t i = 0; i < 5 && !level->nodes.empty(); ++i) {
    const std::uint8_t b = bytes.empty() ? 0 : static_cast<std::uint8_t>(bytes[(salt + i) % bytes.size()]);
    const auto& node = level->nodes[b % level->nodes.size()];
    std::string value = (b & 1) && node.value ? *node.value : std::string(bytes.substr(0, b % 8));
    out.push_back({node.key, std::move(value)});
    level = &node.children;
  }
  if (salt % 3 == 0) out.push_back({"extra", "x"});  // deeper than the tree
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<bw::ratelimit::RuleFile> files{{"fuzz.yaml", text}};
  auto rules = bw::ratelimit::load_rules(files);
  if (!rules) {
    if (rules.error().message.rfind("fuzz.yaml:", 0) != 0) __builtin_trap();  // must name the file
    return 0;
  }
  for (const auto& [name, domain] : rules->domains()) {
    if (rules->domain(name) != &domain) __builtin_trap();
    for (std::size_t salt = 0; salt < 4; ++salt) {
      auto entries = derive_entries(domain.descriptors, text, salt);
      auto m = bw::ratelimit::match(domain, entries);
      if (m && (m->key_entries.size() != entries.size() || m->limit.requests_per_unit == 0)) __builtin_trap();
    }
  }
  return 0;
}
