// Loader of rule files: YAML text in, a validated RuleSet or one Error out (documents are
// cut and parsed by rules_yaml.cpp, which works around two yaml-cpp 0.7 defects).
// Invariants: the only exceptions (yaml-cpp's, bad_alloc) are caught in load_rules() and
// become Errors; every message starts with "<file>:<line>: " (1-based, from yaml-cpp
// marks); the walk over the YAML tree is bounded by kMaxDepth levels and kMaxNodes nodes
// counted BEFORE descending, so aliases that repeat a subtree cannot make the walk blow up.
#include <exception>
#include <initializer_list>
#include <string>

#include <yaml-cpp/yaml.h>

#include "rules.hpp"
#include "rules_yaml.hpp"

namespace bw::ratelimit {
namespace {

using Fields = std::initializer_list<std::string_view>;

// Digits only, 1..kMaxRequestsPerUnit; anything else is nullopt.
std::optional<std::uint32_t> parse_count(const std::string& text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v < 1 || v > kMaxRequestsPerUnit) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

std::optional<Unit> parse_unit(std::string text) {
  for (char& c : text) c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  if (text == "second") return Unit::kSecond;
  if (text == "minute") return Unit::kMinute;
  if (text == "hour") return Unit::kHour;
  if (text == "day") return Unit::kDay;
  return std::nullopt;
}

// Validates one document into a Domain. Methods return Status; out-parameters are valid on ok.
class Loader {
 public:
  Loader(std::string_view file, int first_line, std::size_t& node_count)
      : file_(file), base_(first_line), nodes_(node_count) {}

  Status document(const YAML::Node& doc, Domain& out) {
    if (!doc.IsMap()) return fail(RulesError::kInvalid, doc, "a rule document must be a map");
    if (auto s = check_fields(doc, {"domain", "descriptors", "failure_mode"}); !s) return s;
    if (auto s = string_field(doc, "domain", true, out.name); !s) return s;
    if (out.name.empty()) return fail(RulesError::kInvalid, doc, "domain must not be empty");
    out.origin = yaml_where(file_, doc.Mark(), base_);
    if (auto s = failure_mode(doc, out); !s) return s;
    const YAML::Node list = doc["descriptors"];
    if (!list.IsDefined() || list.IsNull()) return {};
    return level(list, out.name, 1, out.descriptors);
  }

 private:
  Error error(RulesError code, const YAML::Mark& mark, std::string_view msg) const {
    return Error{static_cast<int>(code),
                 yaml_where(file_, mark, base_) + ": " + std::string(msg)};
  }
  Error fail(RulesError code, const YAML::Node& where, std::string_view msg) const {
    return error(code, where.Mark(), msg);
  }

  // Rejects non-string, unknown and repeated field names of a map.
  Status check_fields(const YAML::Node& map, Fields allowed) const {
    std::vector<std::string> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) return fail(RulesError::kInvalid, kv.first, "field name must be a string");
      const std::string& name = kv.first.Scalar();
      bool known = false;
      for (auto a : allowed) known = known || a == name;
      if (!known) return fail(RulesError::kInvalid, kv.first, "unknown field '" + name + "'");
      for (const auto& s : seen) {
        if (s == name) return fail(RulesError::kInvalid, kv.first, "field '" + name + "' repeated");
      }
      seen.push_back(name);
    }
    return {};
  }

  // Reads map[field] as a string scalar; a missing optional field leaves `out` untouched.
  Status string_field(const YAML::Node& map, const char* field, bool required, std::string& out) const {
    const YAML::Node n = map[field];
    if (!n.IsDefined()) {
      if (!required) return {};
      return fail(RulesError::kInvalid, map, std::string("missing field '") + field + "'");
    }
    if (!n.IsScalar()) return fail(RulesError::kInvalid, n, std::string("'") + field + "' must be a string");
    out = n.Scalar();
    return {};
  }

  Status failure_mode(const YAML::Node& doc, Domain& out) const {
    std::string mode;
    if (auto s = string_field(doc, "failure_mode", false, mode); !s) return s;
    const bool security = is_security_domain(out.name);
    if (mode.empty() || mode == "closed") {
      out.failure_mode = (mode.empty() && !security) ? FailureMode::kOpen : FailureMode::kClosed;
      return {};
    }
    if (mode != "open") return fail(RulesError::kInvalid, doc["failure_mode"], "failure_mode must be closed or open, not '" + mode + "'");
    if (security) {
      return fail(RulesError::kInvalid, doc["failure_mode"],
                  "domain '" + out.name + "' is a security domain and is always fail-closed; failure_mode: open is refused");
    }
    out.failure_mode = FailureMode::kOpen;
    return {};
  }

  Status level(const YAML::Node& list, const std::string& parent_id, std::size_t depth, DescriptorLevel& out) {
    if (!list.IsSequence()) return fail(RulesError::kInvalid, list, "descriptors must be a list");
    if (depth > kMaxDepth) {
      return fail(RulesError::kTooLarge, list, "descriptors nested more than " + std::to_string(kMaxDepth) + " levels deep");
    }
    for (const auto& item : list) {
      if (++nodes_ > kMaxNodes) {
        return fail(RulesError::kTooLarge, item, "more than " + std::to_string(kMaxNodes) + " descriptors in all");
      }
      DescriptorNode node;
      if (auto s = descriptor(item, parent_id, depth, node); !s) return s;
      if (auto s = index(item, node, out); !s) return s;
      out.nodes.push_back(std::move(node));
    }
    return {};
  }

  // Records `node` (about to be appended) in the level's lookup maps; refuses duplicates.
  Status index(const YAML::Node& item, const DescriptorNode& node, DescriptorLevel& out) const {
    const std::size_t at = out.nodes.size();
    const bool fresh = node.value ? out.by_key_value.emplace(composite_key(node.key, *node.value), at).second
                                  : out.by_key.emplace(node.key, at).second;
    if (fresh) return {};
    return fail(RulesError::kInvalid, item,
                "duplicate descriptor key '" + node.key + "' value '" + node.value.value_or("") + "' at this level");
  }

  Status descriptor(const YAML::Node& item, const std::string& parent_id, std::size_t depth, DescriptorNode& out) {
    if (!item.IsMap()) return fail(RulesError::kInvalid, item, "a descriptor must be a map");
    if (auto s = check_fields(item, {"key", "value", "rate_limit", "shadow_mode", "descriptors"}); !s) return s;
    if (auto s = string_field(item, "key", true, out.key); !s) return s;
    if (out.key.empty()) return fail(RulesError::kInvalid, item, "descriptor key must not be empty");
    std::string value;
    if (auto s = string_field(item, "value", false, value); !s) return s;
    if (!value.empty()) out.value = value;  // Envoy: an empty value is the default node
    out.rule_id = parent_id + "." + out.key + (out.value ? "_" + *out.value : "");
    if (auto s = shadow_mode(item, out); !s) return s;
    if (const YAML::Node rl = item["rate_limit"]; rl.IsDefined()) {
      RateLimit limit;
      if (auto s = rate_limit(rl, limit); !s) return s;
      out.rate_limit = limit;
    }
    const YAML::Node children = item["descriptors"];
    if (!children.IsDefined() || children.IsNull()) return {};
    return level(children, out.rule_id, depth + 1, out.children);
  }

  Status shadow_mode(const YAML::Node& item, DescriptorNode& out) const {
    std::string text;
    if (auto s = string_field(item, "shadow_mode", false, text); !s) return s;
    if (text.empty() || text == "false") return {};
    if (text == "true") {
      out.shadow_mode = true;
      return {};
    }
    return fail(RulesError::kInvalid, item["shadow_mode"], "shadow_mode must be true or false");
  }

  Status count_field(const YAML::Node& map, const char* field, std::uint32_t& out) const {
    std::string text;
    if (auto s = string_field(map, field, false, text); !s) return s;
    auto n = parse_count(text);
    if (n) {
      out = *n;
      return {};
    }
    return fail(RulesError::kInvalid, map[field],
                std::string(field) + " must be an integer in 1.." + std::to_string(kMaxRequestsPerUnit) + ", not '" + text + "'");
  }

  Status rate_limit(const YAML::Node& n, RateLimit& out) const {
    if (!n.IsMap()) return fail(RulesError::kInvalid, n, "rate_limit must be a map");
    if (auto s = check_fields(n, {"unit", "requests_per_unit", "algorithm", "burst"}); !s) return s;
    std::string unit, algorithm;
    if (auto s = string_field(n, "unit", true, unit); !s) return s;
    auto parsed = parse_unit(unit);
    if (!parsed) return fail(RulesError::kInvalid, n["unit"], "unknown unit '" + unit + "' (second, minute, hour or day)");
    out.unit = *parsed;
    if (!n["requests_per_unit"].IsDefined()) return fail(RulesError::kInvalid, n, "missing field 'requests_per_unit'");
    if (auto s = count_field(n, "requests_per_unit", out.requests_per_unit); !s) return s;
    if (auto s = string_field(n, "algorithm", false, algorithm); !s) return s;
    if (algorithm == "gcra") {
      out.algorithm = Algorithm::kGcra;
    } else if (!algorithm.empty() && algorithm != "fixed_window") {
      return fail(RulesError::kInvalid, n["algorithm"], "unknown algorithm '" + algorithm + "' (fixed_window or gcra)");
    }
    out.burst = out.requests_per_unit;
    if (!n["burst"].IsDefined()) return {};
    if (out.algorithm != Algorithm::kGcra) return fail(RulesError::kInvalid, n["burst"], "burst is only valid with algorithm: gcra");
    return count_field(n, "burst", out.burst);
  }

  std::string_view file_;
  int base_;
  std::size_t& nodes_;
};

// Adds the domain of one document to `domains`, refusing a name already there.
Status load_document(std::string_view file, const YamlDocument& doc, std::size_t& nodes,
                     std::map<std::string, Domain, std::less<>>& domains) {
  Domain domain;
  if (auto s = Loader(file, doc.first_line, nodes).document(doc.root, domain); !s) return s;
  if (auto it = domains.find(domain.name); it != domains.end()) {
    return Error{static_cast<int>(RulesError::kDuplicateDomain),
                 domain.origin + ": domain '" + domain.name + "' is already defined at " + it->second.origin};
  }
  std::string name = domain.name;
  domains.emplace(std::move(name), std::move(domain));
  return {};
}

// Adds every document of one file to `domains`; a file must define at least one domain.
Status load_file(const RuleFile& file, std::size_t& nodes, std::map<std::string, Domain, std::less<>>& domains) {
  if (file.text.size() > kMaxFileBytes) {
    return Error{static_cast<int>(RulesError::kTooLarge),
                 file.name + ":1: file is " + std::to_string(file.text.size()) + " bytes, more than 1 MiB"};
  }
  auto docs = parse_documents(file.name, file.text);
  if (!docs) return docs.error();
  for (const YamlDocument& doc : *docs) {
    if (auto s = load_document(file.name, doc, nodes, domains); !s) return s;
  }
  if (docs->empty()) return Error{static_cast<int>(RulesError::kInvalid), file.name + ":1: no rule document"};
  return {};
}

}  // namespace

Result<RuleSet> load_rules(std::span<const RuleFile> files) {
  std::map<std::string, Domain, std::less<>> domains;
  std::size_t nodes = 0;
  std::string current = "<none>";
  try {
    for (const RuleFile& file : files) {
      current = file.name;
      if (auto s = load_file(file, nodes, domains); !s) return s.error();
    }
  } catch (const YAML::Exception& e) {
    return Error{static_cast<int>(RulesError::kSyntax), yaml_where(current, e.mark, 0) + ": " + e.msg};
  } catch (const std::exception& e) {
    return Error{static_cast<int>(RulesError::kSyntax), current + ":?: " + e.what()};
  } catch (...) {
    return Error{static_cast<int>(RulesError::kSyntax), current + ":?: unreadable rule file"};
  }
  return RuleSet(std::move(domains));
}

}  // namespace bw::ratelimit
