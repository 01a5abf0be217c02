// Descriptor matching over a loaded RuleSet. Pure functions of their arguments: no
// allocation beyond the returned Match and one lookup key per entry, no I/O, no globals.
// Semantics follow envoyproxy/ratelimit (GetLimit): exact key+value beats the key's
// default node, every entry must match, and only the node matched by the last entry can
// supply the limit. See match() in rules.hpp for why ancestors' limits are not inherited.
#include "rules.hpp"

#include <array>

namespace bw::ratelimit {

std::int64_t unit_seconds(Unit unit) {
  switch (unit) {
    case Unit::kSecond: return 1;
    case Unit::kMinute: return 60;
    case Unit::kHour: return 3600;
    case Unit::kDay: return 86400;
  }
  return 1;
}

bool is_security_domain(std::string_view domain) {
  static constexpr std::array<std::string_view, 4> kClosed = {"login", "pairing", "lockout",
                                                              "one_time"};
  for (auto name : kClosed) {
    if (name == domain) return true;
  }
  return false;
}

std::string composite_key(std::string_view key, std::string_view value) {
  std::string out = std::to_string(key.size());
  out += ':';
  out += key;
  out += value;
  return out;
}

const Domain* RuleSet::domain(std::string_view name) const {
  auto it = domains_.find(name);
  return it == domains_.end() ? nullptr : &it->second;
}

namespace {

// The node of `level` that `entry` selects: exact (key, value) first, then the default.
const DescriptorNode* select(const DescriptorLevel& level, const Entry& entry) {
  if (!entry.value.empty()) {
    auto exact = level.by_key_value.find(composite_key(entry.key, entry.value));
    if (exact != level.by_key_value.end()) return &level.nodes[exact->second];
  }
  auto fallback = level.by_key.find(entry.key);
  if (fallback != level.by_key.end()) return &level.nodes[fallback->second];
  return nullptr;
}

}  // namespace

std::optional<Match> match(const Domain& domain, std::span<const Entry> entries) {
  if (entries.empty()) return std::nullopt;
  const DescriptorLevel* level = &domain.descriptors;
  const DescriptorNode* node = nullptr;
  for (const Entry& entry : entries) {
    node = select(*level, entry);
    if (node == nullptr) return std::nullopt;
    level = &node->children;
  }
  if (!node->rate_limit) return std::nullopt;
  Match out;
  out.rule_id = node->rule_id;
  out.limit = *node->rate_limit;
  out.shadow_mode = node->shadow_mode;
  out.failure_mode = domain.failure_mode;
  out.key_entries.assign(entries.begin(), entries.end());
  return out;
}

}  // namespace bw::ratelimit
