// Rate-limit rules: the configuration tree and the descriptor match, as plain values.
//
// The YAML shape is Envoy's rate limit service (`domain:` + nested `descriptors:` of
// {key, value, rate_limit {unit, requests_per_unit}, shadow_mode}) plus Breakwater's
// `rate_limit.algorithm` (fixed_window | gcra), `rate_limit.burst` (gcra only) and the
// per-domain `failure_mode` (closed | open). Guarantees:
//  - load_rules() never throws and never crashes on any input: every refusal is an Error
//    whose message names the file and the 1-based line ("rules.yaml:12: ...").
//  - A loaded RuleSet is immutable and bounded: depth <= kMaxDepth, at most kMaxNodes
//    descriptor nodes in all, files <= kMaxFileBytes, no duplicate (key, value) siblings,
//    no duplicate domain, and the security domains are always fail-closed.
//  - match() is pure and costs O(entries * log(siblings)); the rule id it returns is built
//    only from configured keys and values, never from request values, so metric label
//    cardinality is bounded by the configuration.
// No I/O, no clock, no Redis here: the caller hashes Match::key_entries into a Redis key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bw/result.hpp"

namespace bw::ratelimit {

inline constexpr std::size_t kMaxDepth = 8;
inline constexpr std::size_t kMaxNodes = 10'000;
inline constexpr std::size_t kMaxFileBytes = 1024 * 1024;
inline constexpr std::uint32_t kMaxRequestsPerUnit = 1'000'000'000;

// Stable codes of load_rules() errors (clients and logs may rely on them).
enum class RulesError : int {
  kSyntax = 1,           // not YAML
  kInvalid = 2,          // YAML, but not a valid rule file
  kTooLarge = 3,         // a size, depth or node-count bound was passed
  kDuplicateDomain = 4,  // two documents name the same domain
};

enum class Unit { kSecond, kMinute, kHour, kDay };
enum class Algorithm { kFixedWindow, kGcra };
enum class FailureMode { kOpen, kClosed };

// Length of one unit in seconds (1, 60, 3600, 86400).
std::int64_t unit_seconds(Unit unit);

// True for the domains that are fail-closed whatever the file says.
bool is_security_domain(std::string_view domain);

struct RateLimit {
  Unit unit = Unit::kSecond;
  std::uint32_t requests_per_unit = 1;
  Algorithm algorithm = Algorithm::kFixedWindow;
  std::uint32_t burst = 1;  // GCRA burst; equals requests_per_unit for fixed windows
};

struct DescriptorNode;

// The index key of a (key, value) node: length-prefixed, so no two pairs share one.
std::string composite_key(std::string_view key, std::string_view value);

// One level of the tree: siblings in file order, indexed for the two lookups of a match.
struct DescriptorLevel {
  std::vector<DescriptorNode> nodes;
  std::map<std::string, std::size_t, std::less<>> by_key_value;  // composite key -> index
  std::map<std::string, std::size_t, std::less<>> by_key;        // default (no value) nodes
};

struct DescriptorNode {
  std::string key;
  std::optional<std::string> value;  // absent (or "") = default node for its key
  std::optional<RateLimit> rate_limit;
  bool shadow_mode = false;
  std::string rule_id;  // "<domain>.<key>[_<value>]..." from configured strings only
  DescriptorLevel children;
};

struct Domain {
  std::string name;
  std::string origin;  // "file:line" of the document, for logs
  FailureMode failure_mode = FailureMode::kOpen;
  DescriptorLevel descriptors;
};

// One entry of a request descriptor.
struct Entry {
  std::string key;
  std::string value;
  friend bool operator==(const Entry&, const Entry&) = default;
};

// The rule that applies to one request descriptor.
struct Match {
  std::string rule_id;      // bounded-cardinality name for metrics
  RateLimit limit;
  bool shadow_mode = false;  // as configured on the matched node
  FailureMode failure_mode = FailureMode::kOpen;
  std::vector<Entry> key_entries;  // every request entry, actual values: Redis key material
};

// A named rule file: `name` appears in every error message.
struct RuleFile {
  std::string name;
  std::string text;
};

class RuleSet {
 public:
  RuleSet() = default;
  explicit RuleSet(std::map<std::string, Domain, std::less<>> domains) : domains_(std::move(domains)) {}

  // The domain called `name`, or nullptr when no file configures it.
  const Domain* domain(std::string_view name) const;
  std::size_t domain_count() const { return domains_.size(); }
  // Every domain, by name (for metrics registration and diagnostics).
  const std::map<std::string, Domain, std::less<>>& domains() const { return domains_; }

 private:
  std::map<std::string, Domain, std::less<>> domains_;
};

// Parses and validates every file (each file may hold several `---` documents, one domain
// each; blank or comment-only documents are skipped, a file with no domain is refused).
// Returns the whole set or the first error; never throws. An empty span gives an empty set.
Result<RuleSet> load_rules(std::span<const RuleFile> files);

// The rule for one request descriptor of `domain`, with Envoy's semantics:
//  - entries are walked in order from the top level; at each level a node with the same key
//    and value wins, else the node with the same key and no value (the default);
//  - if any entry matches no node, no rule applies (nullopt);
//  - the rule is that of the node matched by the LAST entry; if that node has no
//    rate_limit, no rule applies. A limit on an ancestor is not inherited, so a request
//    deeper or shallower than the configured limit gets no limit (exactly as Envoy).
// Empty `entries` match nothing.
std::optional<Match> match(const Domain& domain, std::span<const Entry> entries);

}  // namespace bw::ratelimit
